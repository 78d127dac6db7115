select id as order_id, customer_id, amount_cents / 100.0 as amount, status
from {{ source('shop_app', 'app_orders') }}
