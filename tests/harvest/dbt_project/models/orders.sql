select o.order_id, o.customer_id, c.first_name, o.amount, o.status
from {{ ref('stg_orders') }} o
join {{ ref('customers') }} c on c.customer_id = o.customer_id
