{#- A warning, not an error: the cross-sell ranking should hit at least as many customers as
    recommending the most popular products they lack. If it does not, the shop's pairs carry
    little signal (few orders, or a catalogue of unrelated products) and popularity is the
    better list to send. -#}
{{ config(severity='warn') }}

select model.hit_rate as cross_sell_hit_rate, baseline.hit_rate as popularity_hit_rate
from {{ ref('cross_sell_evaluation') }} as model
inner join {{ ref('cross_sell_evaluation') }} as baseline
    on baseline.method = 'popularity'
where model.method = 'cross_sell'
    and model.hit_rate < baseline.hit_rate
