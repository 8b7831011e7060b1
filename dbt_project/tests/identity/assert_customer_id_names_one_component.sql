{#- Two components holding one customer id would be two people reported as one customer. Returns
    the ids that name more than one component tonight. -#}
select customer_id, count(distinct component_key) as components
from {{ ref('int_customer_id_assignments') }}
where customer_id is not null
group by customer_id
having count(distinct component_key) > 1
