{#- The segment grid must cover every R × FM cell once and name all 11 segments, or some customers
    would fall in no segment (or two). Returns a row when it does not. -#}
select count(*) as cells, count(distinct rfm_segment_en) as segments
from {{ ref('rfm_segments') }}
where r_score between 1 and 5 and fm_score between 1 and 5
having count(*) <> 25 or count(distinct rfm_segment_en) <> 11
