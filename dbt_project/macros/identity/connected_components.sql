{#- Materialization `connected_components`: the model's SQL gives an edge list (columns
    `from_node_key`, `to_node_key`; a node alone needs an edge to itself) and the table built is
    one row per node: `node_key`, `component_key` (the least node key of its component) and
    `rounds` (how many rounds the computation took).

    Plain SQL, one statement per step, so it runs on DuckDB and PostgreSQL alike. Nodes get
    integer ids in no particular order (the least key of each component is looked up once, at the
    end). Every round each node takes the least label among its own, its neighbours' and, for the
    node its label points to, the labels that point there (hooking, as in Shiloach-Vishkin), then
    follows its label's label once (pointer jumping). After each round the edges are contracted
    to edges between the round's labels, as MapReduce connected-components algorithms do: a node
    stays joined to its component through its label, and what has converged drops out of the edge
    list. Labels only ever decrease and stop when a round changes
    none, so it converges on any graph; jumping makes long chains take about log2 of their length
    in rounds rather than their length. A round limit (`max_rounds`, default 200) stops a run that
    would not, with an error. -#}
{% materialization connected_components, default %}
    {%- set target_relation = this.incorporate(type='table') -%}
    {%- set max_rounds = config.get('max_rounds', 200) -%}
    {#- Work tables are temporary (the session's own, never written to the warehouse file). -#}
    {%- set prefix = this.identifier ~ '__cc_' -%}
    {%- set work = {} -%}
    {%- for name in ['edges_text', 'nodes', 'edges', 'labels', 'edge_labels', 'proposed',
                     'next_labels'] -%}
        {%- do work.update({name: prefix ~ name}) -%}
    {%- endfor -%}

    {{ run_hooks(pre_hooks) }}
    {%- for name in work.values() -%}
        {%- call statement('cc_drop_' ~ name) -%} drop table if exists {{ name }} {%- endcall -%}
    {%- endfor -%}

    {%- call statement('cc_edges_text') -%}
        create temporary table {{ work.edges_text }} as
        select from_node_key, to_node_key from ({{ sql }}) as model_edges
    {%- endcall -%}
    {%- call statement('cc_nodes') -%}
        create temporary table {{ work.nodes }} as
        select node_key, row_number() over () as node_id
        from (
            select from_node_key as node_key from {{ work.edges_text }}
            union
            select to_node_key from {{ work.edges_text }}
        ) as keys
    {%- endcall -%}
    {%- call statement('cc_edges') -%}
        -- each edge once, as integers (the text keys are joined once, not once a direction)
        create temporary table {{ work.edges }} as
        select distinct a.node_id as from_id, b.node_id as to_id
        from {{ work.edges_text }} as e
        inner join {{ work.nodes }} as a on e.from_node_key = a.node_key
        inner join {{ work.nodes }} as b on e.to_node_key = b.node_key
    {%- endcall -%}
    {%- call statement('cc_labels') -%}
        create temporary table {{ work.labels }} as select node_id, node_id as label from {{ work.nodes }}
    {%- endcall -%}

    {%- set state = namespace(rounds=0, done=false) -%}
    {%- for round in range(max_rounds) if not state.done -%}
        {%- call statement('cc_edge_labels') -%}
            -- each edge with both ends' labels, once per round; an edge whose ends share a
            -- label proposes nothing this round (every candidate below would be a no-op)
            create temporary table {{ work.edge_labels }} as
            select e.from_id, e.to_id, lf.label as from_label, lt.label as to_label
            from {{ work.edges }} as e
            inner join {{ work.labels }} as lf on e.from_id = lf.node_id
            inner join {{ work.labels }} as lt on e.to_id = lt.node_id
        {%- endcall -%}
        {%- call statement('cc_propose') -%}
            create temporary table {{ work.proposed }} as
            select node_id, min(label) as label
            from (
                select node_id, label from {{ work.labels }}
                union all
                -- each end takes the other end's label
                select from_id, to_label from {{ work.edge_labels }} where from_label <> to_label
                union all
                select to_id, from_label from {{ work.edge_labels }} where from_label <> to_label
                union all
                -- hooking: the node one end's label points at takes the other end's label. A
                -- larger label never wins the min (a node's label is at most its own id), so
                -- no comparison is needed; as a join condition one made DuckDB plan a range
                -- join (8 s a round on 52k edges)
                select to_label, from_label from {{ work.edge_labels }}
                where from_label <> to_label
                union all
                select from_label, to_label from {{ work.edge_labels }}
                where from_label <> to_label
            ) as candidates
            group by node_id
        {%- endcall -%}
        {%- call statement('cc_jump') -%}
            create temporary table {{ work.next_labels }} as
            select p.node_id, least(p.label, q.label) as label
            from {{ work.proposed }} as p
            inner join {{ work.proposed }} as q on p.label = q.node_id
        {%- endcall -%}
        {%- set changed = run_query(
            'select count(*) from ' ~ work.next_labels ~ ' as n inner join ' ~ work.labels
            ~ ' as l on n.node_id = l.node_id where n.label <> l.label'
        ).columns[0].values()[0] -%}
        {%- call statement('cc_swap') -%}
            drop table {{ work.labels }};
            drop table {{ work.proposed }};
            alter table {{ work.next_labels }} rename to {{ work.labels }};
            -- contraction: tomorrow's edges join this round's labels, not nodes; a node keeps
            -- its place through its label, so the graph loses what has converged and later
            -- rounds touch only the rest
            drop table {{ work.edges }};
            create temporary table {{ work.edges }} as
            select distinct from_label as from_id, to_label as to_id
            from {{ work.edge_labels }}
            where from_label <> to_label;
            drop table {{ work.edge_labels }}
        {%- endcall -%}
        {%- set state.rounds = state.rounds + 1 -%}
        {%- if changed | int == 0 -%}
            {%- set state.done = true -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if not state.done -%}
        {{ exceptions.raise_compiler_error(
            this.identifier ~ ': connected components did not converge in ' ~ max_rounds
            ~ ' rounds (max_rounds)') }}
    {%- endif -%}
    {{ log(this.identifier ~ ': connected components converged in ' ~ state.rounds ~ ' rounds', info=true) }}

    {%- set existing = load_cached_relation(target_relation) -%}
    {%- if existing is not none -%}
        {%- do adapter.drop_relation(existing) -%}
    {%- endif -%}
    {%- call statement('main') -%}
        create table {{ target_relation }} as
        with keyed as (
            select n.node_key, l.label
            from {{ work.labels }} as l
            inner join {{ work.nodes }} as n on l.node_id = n.node_id
        ),
        components as (
            select label, min(node_key) as component_key from keyed group by label
        )
        select keyed.node_key, components.component_key, {{ state.rounds }} as rounds
        from keyed
        inner join components on keyed.label = components.label
    {%- endcall -%}
    {%- for name in work.values() -%}
        {%- call statement('cc_drop_' ~ name) -%} drop table if exists {{ name }} {%- endcall -%}
    {%- endfor -%}

    {{ run_hooks(post_hooks) }}
    {%- do adapter.commit() -%}
    {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
