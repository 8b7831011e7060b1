{#- Exports overlap in time and re-export rows in their later state, so staging keeps the copy
    from the newest export: by the timestamp in the file name, then by when it landed (a file
    landed again under the same name with new content, a corrected copy, replaces the earlier
    one), then the file name and its content's hash (never equal for two different files),
    then the line. 1 = newest. With whole_file=true every row of the newest file ranks 1
    (dense_rank), for records that have no id of their own within a file (pre-2020 order
    lines). -#}
{% macro export_recency_rank(partition_by, whole_file=false) -%}
    {%- if whole_file -%}
    dense_rank() over (
        partition by {{ partition_by }}
        order by _exported_at desc nulls last, _loaded_at desc, _source_file desc, _file_sha256 desc
    )
    {%- else -%}
    row_number() over (
        partition by {{ partition_by }}
        order by
            _exported_at desc nulls last,
            _loaded_at desc,
            _source_file desc,
            _file_sha256 desc,
            _source_line desc
    )
    {%- endif -%}
{%- endmacro %}
