"""Business entities of the demo company and the fields each one carries.

Each entity is written as one line per field, `name: type flags | description`, where flags are
`pk` (primary key), `null` (may be empty) and a classification (`pii`, `confidential`, `restricted`, `public`;
`internal` when none is given). The demo's schemas and the `--scale` generator both read from here.
"""

from __future__ import annotations

from dataclasses import dataclass

CLASSIFICATIONS = {"pii", "confidential", "restricted", "public", "internal"}


@dataclass(frozen=True)
class FieldDef:
    name: str
    data_type: str
    description: str
    nullable: bool
    primary_key: bool
    classification: str


def parse_fields(text: str) -> list[FieldDef]:
    fields = []
    for raw in text.strip().splitlines():
        line = raw.strip()
        if not line:
            continue
        head, _, description = line.partition("|")
        name, _, rest = head.partition(":")
        words = rest.split()
        data_type, flags = words[0], set(words[1:])
        unknown = flags - CLASSIFICATIONS - {"pk", "null"}
        if unknown:
            raise ValueError(f"unknown flags {sorted(unknown)} in {line!r}")
        classification = next((c for c in ("pii", "restricted", "confidential", "public") if c in flags), "internal")
        fields.append(
            FieldDef(
                name=name.strip(),
                data_type=data_type,
                description=description.strip(),
                nullable="null" in flags,
                primary_key="pk" in flags,
                classification=classification,
            )
        )
    return fields


_ENTITY_TEXT: dict[str, str] = {
    "order": """
        order_id: string pk | Order number as issued by the ERP, e.g. `SO-2024-0001234`.
        customer_id: string | Customer who placed the order; joins `customer/customers`.
        order_channel: string | Where the order came in: `web`, `app`, `store`, `field-sales` or `edi`.
        order_status: string | Lifecycle of the order: `open`, `confirmed`, `shipped`, `invoiced`, `cancelled`.
        order_date: date | Business date the order was placed, in the selling entity's time zone.
        ordered_at: timestamp | Exact time the order was accepted, UTC.
        sales_org: string | Selling legal entity (SAP sales organisation), e.g. `DE01`.
        sales_rep_id: string null | Account executive credited with the order; empty for self-service channels.
        currency: string | ISO 4217 currency of the order amounts.
        net_amount: decimal(18,2) | Order value after discounts, before tax.
        tax_amount: decimal(18,2) | Sales tax or VAT charged.
        gross_amount: decimal(18,2) | Net amount plus tax.
        discount_amount: decimal(18,2) | Total discount granted on the order.
        payment_terms: string | Agreed payment terms code, e.g. `NET30`.
        ship_to_country: string | ISO 3166-1 alpha-2 country the goods are shipped to.
        promised_delivery_date: date null | Delivery date promised to the customer at checkout.
        is_first_order: boolean | True when this is the customer's first order ever.
        updated_at: timestamp | Last change of the order in the source system, UTC.
    """,
    "order_line": """
        order_id: string pk | Order the line belongs to.
        line_number: integer pk | Position of the line within the order.
        sku: string | Stock keeping unit ordered; joins `ecommerce/catalog-items`.
        product_name: string | Name of the article at the time of the order.
        quantity: integer | Units ordered.
        unit_price: decimal(18,4) | List price per unit in the order currency.
        discount_pct: decimal(5,2) | Line discount in percent.
        net_amount: decimal(18,2) | Line value after discount, before tax.
        tax_rate: decimal(5,2) | Tax rate applied to the line.
        fulfilment_site: string null | Warehouse expected to ship the line.
        line_status: string | `open`, `allocated`, `shipped`, `returned` or `cancelled`.
        updated_at: timestamp | Last change of the line, UTC.
    """,
    "quote": """
        quote_id: string pk | Salesforce quote id.
        opportunity_id: string | Opportunity the quote was issued for.
        account_id: string | Customer account in Salesforce.
        quote_status: string | `draft`, `presented`, `accepted`, `rejected` or `expired`.
        valid_until: date | Last day the customer can accept the quote.
        currency: string | ISO 4217 currency.
        total_amount: decimal(18,2) | Quoted value before tax.
        discount_pct: decimal(5,2) | Overall discount offered.
        approval_level: string null | Who had to approve the discount: `none`, `manager`, `vp`.
        created_by: string pii | Name of the sales rep who prepared the quote.
        created_at: timestamp | When the quote was created, UTC.
    """,
    "opportunity": """
        opportunity_id: string pk | Salesforce opportunity id.
        account_id: string | Customer account the opportunity belongs to.
        opportunity_name: string | Name given by the sales rep.
        stage: string | Pipeline stage: `prospecting`, `qualification`, `proposal`, `negotiation`, `won`, `lost`.
        probability_pct: integer | Win probability that belongs to the stage.
        amount: decimal(18,2) | Expected deal value in the opportunity currency.
        currency: string | ISO 4217 currency.
        expected_close_date: date | Date the rep expects to close.
        owner_id: string | Sales rep who owns the opportunity.
        lead_source: string null | Where the opportunity came from, e.g. `webinar`, `partner`, `outbound`.
        region: string | Sales region: `EMEA`, `NA`, `APAC`, `LATAM`.
        is_closed: boolean | True once won or lost.
        created_at: timestamp | When the opportunity was opened, UTC.
        updated_at: timestamp | Last change, UTC.
    """,
    "sales_rep": """
        sales_rep_id: string pk | Employee id of the rep in Salesforce.
        full_name: string pii | First and last name.
        email: string pii | Work email address.
        region: string | Sales region the rep covers.
        territory: string | Territory code, e.g. `DACH-NORTH`.
        manager_id: string null | Rep's sales manager.
        quota_eur: decimal(18,2) confidential | Annual quota in EUR.
        hired_on: date | First day in the sales organisation.
        is_active: boolean | False for reps who left or moved to another role.
    """,
    "daily_sales": """
        sales_date: date pk | Business day.
        sales_org: string pk | Selling legal entity.
        channel: string pk | Order channel.
        country: string pk | Ship-to country.
        order_count: long | Orders placed that day.
        units_sold: long | Units across all order lines.
        net_revenue_eur: decimal(18,2) | Net order value converted to EUR at the daily ECB rate.
        gross_revenue_eur: decimal(18,2) | Gross order value in EUR.
        discount_eur: decimal(18,2) | Discounts granted in EUR.
        avg_order_value_eur: decimal(18,2) | Net revenue divided by order count.
        new_customer_orders: long | Orders that were a customer's first.
        cancelled_orders: long | Orders cancelled the same day.
    """,
    "forecast": """
        forecast_id: string pk | Run id of the forecast, one per week and region.
        region: string | Sales region.
        fiscal_quarter: string | Quarter the forecast covers, e.g. `FY25-Q2`.
        commit_amount_eur: decimal(18,2) | Value the region commits to.
        best_case_amount_eur: decimal(18,2) | Commit plus upside deals.
        pipeline_amount_eur: decimal(18,2) | Open pipeline weighted by stage probability.
        quota_eur: decimal(18,2) confidential | Quota of the region for the quarter.
        coverage_ratio: double | Pipeline divided by remaining quota.
        generated_at: timestamp | When the forecast was computed, UTC.
    """,
    "territory_kpi": """
        territory: string pk | Territory code.
        month: date pk | First day of the month.
        region: string | Sales region.
        net_revenue_eur: decimal(18,2) | Net revenue booked in the territory.
        quota_attainment_pct: double confidential | Net revenue as a share of quota.
        active_accounts: integer | Accounts with at least one order in the month.
        win_rate_pct: double | Won opportunities as a share of closed ones.
        avg_sales_cycle_days: double | Days from opportunity creation to close, won deals only.
    """,
    "discount": """
        order_id: string pk | Order carrying the discount.
        line_number: integer pk | Order line.
        quote_id: string null | Quote the discount was approved on, if any.
        list_price_eur: decimal(18,2) | List value of the line in EUR.
        net_price_eur: decimal(18,2) | Value after discount in EUR.
        discount_pct: decimal(5,2) | Effective discount.
        approval_level: string null | Approval level that was needed.
        margin_pct: decimal(5,2) confidential | Gross margin after discount.
    """,
    "web_order": """
        web_order_id: string pk | Order id of the shop backend.
        session_id: string null | Web session that ended in the order.
        customer_id: string null | Customer, once known; guest checkouts are empty.
        email: string pii | Email address given at checkout.
        shipping_name: string pii | Recipient name.
        shipping_street: string pii | Street and house number of the delivery address.
        shipping_postal_code: string pii | Postal code of the delivery address.
        shipping_city: string pii | City of the delivery address.
        shipping_country: string | ISO country of the delivery address.
        basket_value: decimal(18,2) | Basket value before shipping.
        shipping_fee: decimal(18,2) | Shipping fee charged.
        voucher_code: string null | Voucher redeemed at checkout.
        payment_method: string | `card`, `paypal`, `klarna`, `invoice` or `apple-pay`.
        device_type: string | `desktop`, `mobile` or `tablet`.
        placed_at: timestamp | When the order was placed, UTC.
    """,
    "cart_event": """
        event_id: string pk | Unique id of the event.
        cart_id: string | Cart the event belongs to.
        session_id: string | Web session.
        event_type: string | `add`, `remove`, `update-quantity`, `checkout-start`, `checkout-complete`.
        sku: string null | Article concerned; empty for checkout events.
        quantity: integer null | New quantity for the article.
        cart_value: decimal(18,2) | Cart value after the event.
        currency: string | ISO 4217 currency.
        occurred_at: timestamp | When the event happened, UTC.
    """,
    "funnel": """
        funnel_date: date pk | Day.
        device_type: string pk | Device class.
        country: string pk | Visitor country.
        sessions: long | Web sessions.
        product_views: long | Sessions that viewed at least one product page.
        add_to_carts: long | Sessions that added to the cart.
        checkouts_started: long | Sessions that started checkout.
        orders: long | Sessions that placed an order.
        conversion_rate_pct: double | Orders divided by sessions.
        cart_abandonment_pct: double | Checkouts started without an order, as a share of checkouts.
    """,
    "abandoned_cart": """
        cart_id: string pk | Abandoned cart.
        customer_id: string | Known customer who left the cart.
        email: string pii | Address to send the reminder to.
        first_name: string pii | For the greeting of the reminder mail.
        cart_value: decimal(18,2) | Value left in the cart.
        items: integer | Distinct articles in the cart.
        top_sku: string | Most valuable article in the cart.
        abandoned_at: timestamp | Last cart activity, UTC.
        has_marketing_consent: boolean | Whether a reminder may be sent at all.
    """,
    "catalog_item": """
        sku: string pk | Stock keeping unit.
        product_name: string public | Name shown in the shop.
        brand: string public | Brand.
        category_path: string public | Category tree, e.g. `Home > Kitchen > Coffee`.
        list_price_eur: decimal(18,2) public | Current list price in EUR.
        unit_cost_eur: decimal(18,2) confidential | Standard cost per unit.
        weight_kg: decimal(10,3) | Shipping weight.
        is_active: boolean | Whether the article can be ordered.
        launched_on: date null | First day on sale.
        supplier_id: string | Main supplier.
        updated_at: timestamp | Last change in the PIM, UTC.
    """,
    "customer": """
        customer_id: string pk | Golden customer id shared by all systems.
        salesforce_account_id: string null | Account id in Salesforce, for B2B customers.
        customer_type: string | `consumer` or `business`.
        first_name: string pii null | Given name.
        last_name: string pii null | Family name.
        company_name: string null | Legal name for business customers.
        email: string pii | Primary email address.
        phone: string pii null | Primary phone number in E.164 format.
        date_of_birth: date pii null | Date of birth, consumers only.
        country: string | Country of residence or registration.
        preferred_language: string | ISO 639-1 language for communication.
        segment: string | Commercial segment: `enterprise`, `mid-market`, `smb`, `consumer`.
        created_at: timestamp | When the customer was first registered, UTC.
        is_deleted: boolean | True once erased on request; personal fields are emptied then.
        updated_at: timestamp | Last change, UTC.
    """,
    "address": """
        address_id: string pk | Address id.
        customer_id: string | Customer the address belongs to.
        address_type: string | `billing`, `shipping` or `registered-office`.
        street: string pii | Street and house number.
        postal_code: string pii | Postal code.
        city: string pii | City.
        region: string null | State or province.
        country: string | ISO 3166-1 alpha-2 country.
        latitude: double pii null | Geocoded latitude.
        longitude: double pii null | Geocoded longitude.
        is_default: boolean | Default address of its type.
        valid_from: date | First day the address was used.
        valid_to: date null | Last day, empty while current.
    """,
    "consent": """
        consent_id: string pk | Consent record id.
        customer_id: string | Customer who gave or withdrew consent.
        purpose: string | `marketing-email`, `marketing-sms`, `profiling`, `third-party-sharing`.
        status: string | `granted` or `withdrawn`.
        channel: string | Where the choice was made: `web`, `app`, `store`, `call-centre`.
        legal_basis: string | GDPR legal basis recorded with the choice.
        recorded_at: timestamp | When the choice was recorded, UTC.
        ip_address: string pii null | Address the choice came from, kept as proof.
    """,
    "customer_360": """
        customer_id: string pk | Golden customer id.
        full_name: string pii | First and last name, or company name.
        email: string pii | Primary email address.
        country: string | Country of residence.
        segment: string | Commercial segment.
        first_order_date: date null | Date of the first order.
        last_order_date: date null | Date of the latest order.
        orders_12m: integer | Orders in the last twelve months.
        net_revenue_12m_eur: decimal(18,2) | Net revenue in the last twelve months.
        avg_order_value_eur: decimal(18,2) | Average net order value, lifetime.
        open_tickets: integer | Support tickets still open.
        marketing_opt_in: boolean | Current consent to marketing email.
        preferred_channel: string null | Channel with the most orders.
        last_campaign_response_at: timestamp null | Latest click or conversion from a campaign.
        updated_at: timestamp | When the profile was last rebuilt, UTC.
    """,
    "ticket": """
        ticket_id: string pk | Zendesk ticket id.
        customer_id: string null | Customer, when the requester could be matched.
        requester_email: string pii | Email of the requester.
        subject: string confidential | Ticket subject as written by the customer.
        category: string | `delivery`, `billing`, `returns`, `product`, `account`, `other`.
        priority: string | `low`, `normal`, `high`, `urgent`.
        status: string | `new`, `open`, `pending`, `solved`, `closed`.
        channel: string | `email`, `chat`, `phone`, `web-form`.
        first_response_minutes: integer null | Minutes to the first agent reply.
        csat_score: integer null | Satisfaction score given after solving, 1-5.
        created_at: timestamp | When the ticket was opened, UTC.
        solved_at: timestamp null | When it was solved, UTC.
    """,
    "segment": """
        customer_id: string pk | Golden customer id.
        segment_code: string | Behavioural segment, e.g. `loyal-high-value`, `bargain-hunter`, `lapsed`.
        rfm_recency: integer | Recency score 1-5.
        rfm_frequency: integer | Frequency score 1-5.
        rfm_monetary: integer | Monetary score 1-5.
        lifecycle_stage: string | `new`, `active`, `at-risk`, `lapsed`, `won-back`.
        assigned_at: date | Day the segment was computed.
    """,
    "churn_score": """
        customer_id: string pk | Golden customer id.
        scored_on: date pk | Day of scoring.
        churn_probability: double | Probability of no order in the next 90 days.
        risk_band: string | `low`, `medium`, `high`.
        top_driver: string | Feature that contributes most to the score.
        model_version: string | Version of the model that scored.
        days_since_last_order: integer | Input feature, kept for explanation.
        support_tickets_90d: integer | Input feature, kept for explanation.
    """,
    "clv": """
        customer_id: string pk | Golden customer id.
        predicted_clv_eur: decimal(18,2) confidential | Predicted net revenue over the next three years.
        historic_revenue_eur: decimal(18,2) | Net revenue to date.
        gross_margin_eur: decimal(18,2) confidential | Gross margin to date.
        expected_orders_3y: double | Expected number of orders in three years.
        clv_decile: integer | Decile within all active customers.
        computed_at: timestamp | When the value was computed, UTC.
    """,
    "household": """
        household_id: string pk | Household id.
        customer_id: string pk | Customer in the household.
        match_confidence: double | Confidence of the match, 0-1.
        match_rule: string | Rule that matched, e.g. `same-address-same-surname`.
        address_id: string | Shared address.
        matched_at: timestamp | When the match was made, UTC.
    """,
    "campaign": """
        campaign_id: string pk | HubSpot campaign id.
        campaign_name: string | Name as set up by marketing.
        objective: string | `awareness`, `acquisition`, `retention`, `win-back`.
        channel_mix: string | Channels used, comma separated.
        start_date: date | First day of the campaign.
        end_date: date null | Last day; empty for always-on campaigns.
        budget_eur: decimal(18,2) confidential | Approved budget.
        target_segment: string null | Customer segment targeted.
        owner_email: string pii | Campaign manager.
        status: string | `planned`, `live`, `paused`, `finished`.
    """,
    "touchpoint": """
        touchpoint_id: string pk | Unique id of the touchpoint.
        campaign_id: string null | Campaign the touchpoint belongs to.
        customer_id: string null | Customer, once identified.
        anonymous_id: string | Cookie or device id.
        channel: string | `email`, `paid-search`, `paid-social`, `display`, `affiliate`, `organic`.
        interaction: string | `impression`, `click`, `open`, `visit`.
        utm_source: string null | UTM source of the visit.
        utm_medium: string null | UTM medium.
        utm_campaign: string null | UTM campaign.
        occurred_at: timestamp | When the interaction happened, UTC.
    """,
    "ad_spend": """
        spend_date: date pk | Day.
        platform: string pk | `google-ads`, `meta`, `linkedin`, `tiktok`.
        campaign_id: string pk | Campaign id on the platform.
        impressions: long | Impressions served.
        clicks: long | Clicks.
        spend_eur: decimal(18,2) confidential | Cost in EUR.
        conversions: double | Conversions as reported by the platform.
        cpc_eur: decimal(18,4) | Cost per click.
    """,
    "email_engagement": """
        message_id: string pk | Id of the sent message.
        campaign_id: string | Campaign or canvas in Braze.
        customer_id: string | Recipient.
        email: string pii | Address the message went to.
        sent_at: timestamp | When it was sent, UTC.
        opened_at: timestamp null | First open, UTC.
        clicked_at: timestamp null | First click, UTC.
        unsubscribed: boolean | True if the recipient unsubscribed from this message.
        bounce_type: string null | `soft` or `hard`.
    """,
    "campaign_response": """
        campaign_id: string pk | Campaign.
        customer_id: string pk | Customer who responded.
        first_touch_at: timestamp | First interaction with the campaign.
        last_touch_at: timestamp | Latest interaction.
        clicks: integer | Clicks on campaign content.
        opens: integer | Email opens.
        converted: boolean | Placed an order within seven days of a click.
        response_channel: string | Channel of the first click.
    """,
    "attribution": """
        order_id: string pk | Order credited.
        touchpoint_id: string pk | Touchpoint receiving credit.
        channel: string | Marketing channel of the touchpoint.
        campaign_id: string null | Campaign, if any.
        model: string | Attribution model: `last-click`, `linear`, `time-decay`, `data-driven`.
        credit_share: double | Share of the order credited to the touchpoint, 0-1.
        attributed_revenue_eur: decimal(18,2) | Net revenue credited.
        days_to_conversion: integer | Days between touchpoint and order.
    """,
    "lead": """
        lead_id: string pk | Salesforce lead id.
        first_name: string pii | Given name.
        last_name: string pii | Family name.
        email: string pii | Business email.
        company: string | Company name.
        job_title: string null | Job title as given.
        country: string | Country.
        lead_source: string | `webinar`, `whitepaper`, `trade-show`, `contact-form`, `partner`.
        lead_score: integer | Marketing score, 0-100.
        status: string | `new`, `working`, `qualified`, `disqualified`, `converted`.
        created_at: timestamp | When the lead was created, UTC.
    """,
    "campaign_roi": """
        campaign_id: string pk | Campaign.
        month: date pk | First day of the month.
        spend_eur: decimal(18,2) confidential | Media and production spend.
        attributed_revenue_eur: decimal(18,2) | Revenue credited by the data-driven model.
        gross_margin_eur: decimal(18,2) confidential | Margin on attributed revenue.
        roas: double | Attributed revenue divided by spend.
        new_customers: integer | First-time customers credited to the campaign.
        cac_eur: decimal(18,2) | Spend per new customer.
    """,
    "ledger_entry": """
        document_number: string pk | FI document number.
        line_item: integer pk | Line within the document.
        company_code: string | SAP company code.
        fiscal_year: integer | Fiscal year.
        posting_period: integer | Period 1-16.
        gl_account: string | General ledger account.
        cost_center: string null | Cost centre, for expense accounts.
        profit_center: string null | Profit centre.
        posting_date: date | Posting date.
        document_type: string | `SA`, `KR`, `DR`, `AB`, ...
        debit_credit: string | `S` for debit, `H` for credit.
        amount_local: decimal(18,2) confidential | Amount in company code currency.
        local_currency: string | Company code currency.
        amount_group_eur: decimal(18,2) confidential | Amount in group currency.
        posted_by: string pii | User who posted the document.
        reference: string null | Reference to the originating document.
    """,
    "invoice": """
        invoice_id: string pk | Billing document number.
        order_id: string null | Order that was billed.
        customer_id: string | Bill-to customer.
        company_code: string | Billing company code.
        invoice_date: date | Invoice date.
        due_date: date | Payment due date.
        currency: string | ISO 4217 currency.
        net_amount: decimal(18,2) | Net invoice amount.
        tax_amount: decimal(18,2) | Tax.
        gross_amount: decimal(18,2) | Total to pay.
        billing_name: string pii | Name on the invoice.
        billing_address: string pii | Full billing address as printed.
        vat_id: string null | Customer VAT id.
        status: string | `open`, `partially-paid`, `paid`, `cancelled`, `written-off`.
    """,
    "fx_rate": """
        rate_date: date pk | Day of the reference rate.
        base_currency: string pk | Always `EUR`.
        quote_currency: string pk | ISO 4217 currency.
        rate: decimal(18,8) public | Units of quote currency per EUR.
        source: string public | `ecb` or `treasury-fallback`.
    """,
    "revenue": """
        revenue_month: date pk | First day of the month.
        company_code: string pk | Legal entity.
        product_line: string pk | Product line.
        channel: string pk | Sales channel.
        invoiced_revenue_eur: decimal(18,2) confidential | Net invoiced revenue in EUR.
        booked_revenue_eur: decimal(18,2) confidential | Net order intake in EUR.
        credit_notes_eur: decimal(18,2) confidential | Credit notes issued.
        recognised_revenue_eur: decimal(18,2) confidential | Revenue recognised under IFRS 15.
        deferred_revenue_eur: decimal(18,2) confidential | Revenue deferred to later periods.
    """,
    "receivable": """
        invoice_id: string pk | Open invoice.
        customer_id: string | Customer.
        company_code: string | Legal entity.
        due_date: date | Due date.
        open_amount_eur: decimal(18,2) confidential | Amount still open in EUR.
        days_past_due: integer | Days past the due date, 0 when not yet due.
        ageing_bucket: string | `current`, `1-30`, `31-60`, `61-90`, `90+`.
        dunning_level: integer | Dunning level reached, 0-3.
        last_payment_date: date null | Latest partial payment.
        snapshot_date: date | Day of the snapshot.
    """,
    "close_kpi": """
        company_code: string pk | Legal entity.
        fiscal_period: string pk | Period, e.g. `2025-03`.
        revenue_eur: decimal(18,2) confidential | Net revenue.
        cogs_eur: decimal(18,2) confidential | Cost of goods sold.
        opex_eur: decimal(18,2) confidential | Operating expenses.
        ebitda_eur: decimal(18,2) confidential | EBITDA.
        close_day: integer | Working day on which the period was closed.
        journal_adjustments: integer | Manual adjustments posted during close.
        status: string | `open`, `soft-close`, `hard-close`.
    """,
    "cost_center": """
        cost_center: string pk | Cost centre code.
        company_code: string | Legal entity.
        name: string | Cost centre name.
        responsible: string pii | Person responsible.
        department: string | Department.
        valid_from: date | Start of validity.
        valid_to: date null | End of validity.
        is_locked: boolean | Locked for postings.
    """,
    "budget": """
        cost_center: string pk | Cost centre.
        fiscal_period: string pk | Period.
        gl_account: string pk | Account.
        budget_eur: decimal(18,2) confidential | Approved budget.
        actual_eur: decimal(18,2) confidential | Actual postings.
        variance_eur: decimal(18,2) confidential | Actual minus budget.
        variance_pct: double | Variance as a share of budget.
        forecast_eur: decimal(18,2) confidential null | Latest estimate for the period.
    """,
    "payment_transaction": """
        psp_reference: string pk | Adyen PSP reference.
        merchant_reference: string | Order or invoice the payment is for.
        payment_method: string | `visa`, `mc`, `amex`, `paypal`, `klarna`, `sepa`, `applepay`.
        event_code: string | `AUTHORISATION`, `CAPTURE`, `CANCELLATION`, `REFUND`.
        success: boolean | Whether the step succeeded.
        amount: decimal(18,2) | Amount in the transaction currency.
        currency: string | ISO 4217 currency.
        card_bin: string restricted null | First six digits of the card.
        card_last4: string restricted null | Last four digits of the card.
        shopper_country: string null | Issuer country.
        shopper_ip: string pii null | IP address of the shopper.
        risk_score: integer null | Adyen risk score.
        event_at: timestamp | When the event happened, UTC.
    """,
    "refund": """
        refund_id: string pk | Refund reference.
        psp_reference: string | Original payment.
        order_id: string | Order refunded.
        amount: decimal(18,2) | Refunded amount.
        currency: string | ISO 4217 currency.
        reason: string | `return`, `damaged`, `late-delivery`, `goodwill`, `duplicate`.
        requested_by: string pii | Agent who issued the refund.
        refunded_at: timestamp | When the refund was executed, UTC.
    """,
    "chargeback": """
        chargeback_id: string pk | Dispute reference.
        psp_reference: string | Disputed payment.
        reason_code: string | Scheme reason code, e.g. `10.4`.
        amount: decimal(18,2) | Disputed amount.
        currency: string | ISO 4217 currency.
        status: string | `received`, `defended`, `won`, `lost`, `accepted`.
        defense_deadline: date | Last day to submit evidence.
        received_at: timestamp | When the dispute arrived, UTC.
    """,
    "settlement": """
        settlement_batch: string pk | Settlement batch number.
        psp_reference: string pk | Payment in the batch.
        invoice_id: string null | Invoice matched to the payment.
        gross_eur: decimal(18,2) | Gross amount settled.
        fees_eur: decimal(18,2) | Processing fees.
        net_eur: decimal(18,2) | Amount paid out.
        match_status: string | `matched`, `unmatched`, `partial`, `manual`.
        payout_date: date | Bank payout date.
    """,
    "shipment": """
        shipment_id: string pk | Shipment id.
        order_id: string | Order shipped.
        carrier: string | `dhl`, `ups`, `dpd`, `gls`, `postnl`, `fedex`.
        tracking_number: string | Carrier tracking number.
        service_level: string | `standard`, `express`, `same-day`, `freight`.
        origin_site: string | Shipping warehouse.
        recipient_name: string pii | Recipient.
        delivery_street: string pii | Delivery street.
        delivery_postal_code: string pii | Delivery postal code.
        delivery_city: string pii | Delivery city.
        delivery_country: string | Delivery country.
        parcels: integer | Number of parcels.
        weight_kg: decimal(10,3) | Total weight.
        shipped_at: timestamp | Handover to the carrier, UTC.
        delivered_at: timestamp null | Proof of delivery, UTC.
        promised_date: date | Delivery date promised to the customer.
    """,
    "shipment_event": """
        event_id: string pk | Event id.
        shipment_id: string | Shipment.
        tracking_number: string | Carrier tracking number.
        status_code: string | Status: `picked-up`, `in-transit`, `out-for-delivery`, `delivered`, `exception`.
        carrier_status: string | Status text as sent by the carrier.
        location_city: string null | Where the scan happened.
        location_country: string null | Country of the scan.
        event_at: timestamp | Scan time, UTC.
        received_at: timestamp | When the EDI message arrived, UTC.
    """,
    "delivery_kpi": """
        delivery_date: date pk | Day of delivery.
        carrier: string pk | Carrier.
        country: string pk | Delivery country.
        service_level: string pk | Service level.
        shipments: long | Shipments delivered.
        on_time_pct: double | Delivered on or before the promised date.
        avg_transit_hours: double | Average hours from handover to delivery.
        exceptions: long | Shipments with a carrier exception.
        cost_per_parcel_eur: decimal(10,4) confidential | Average carrier cost.
    """,
    "carrier_rate": """
        carrier: string pk | Carrier.
        service_level: string pk | Service level.
        zone: string pk | Tariff zone.
        weight_band: string pk | Weight band, e.g. `0-2kg`.
        price_eur: decimal(10,4) confidential | Contracted price per parcel.
        fuel_surcharge_pct: decimal(5,2) confidential | Fuel surcharge.
        valid_from: date | Start of validity.
        valid_to: date null | End of validity.
    """,
    "route_plan": """
        route_id: string pk | Route id.
        plan_date: date | Delivery day.
        depot: string | Depot the route starts from.
        vehicle_id: string | Vehicle.
        driver_id: string pii | Driver employee id.
        stops: integer | Planned stops.
        planned_km: double | Planned distance.
        planned_duration_min: integer | Planned duration.
        co2_kg: double | Estimated emissions.
    """,
    "return": """
        return_id: string pk | Return merchandise authorisation.
        order_id: string | Original order.
        line_number: integer | Order line returned.
        sku: string | Article.
        quantity: integer | Units returned.
        reason: string | `wrong-size`, `damaged`, `not-as-described`, `changed-mind`, `late`.
        condition: string null | Graded on arrival: `a-stock`, `b-stock`, `scrap`.
        received_site: string null | Warehouse that received the return.
        requested_at: timestamp | When the customer asked, UTC.
        received_at: timestamp null | When the goods arrived, UTC.
        refund_amount: decimal(18,2) null | Amount refunded.
    """,
    "inventory": """
        site: string pk | Warehouse.
        sku: string pk | Article.
        snapshot_at: timestamp pk | Time of the stock snapshot, UTC.
        on_hand: integer | Units physically in stock.
        allocated: integer | Units reserved for open orders.
        available: integer | On hand minus allocated.
        in_transit: integer | Units on inbound purchase orders that shipped.
        safety_stock: integer | Target minimum.
        stock_value_eur: decimal(18,2) confidential | On-hand units at standard cost.
    """,
    "warehouse_movement": """
        movement_id: string pk | Movement id in the WMS.
        site: string | Warehouse.
        sku: string | Article.
        movement_type: string | `receipt`, `putaway`, `pick`, `pack`, `ship`, `adjust`, `transfer`.
        quantity: integer | Units moved; negative for issues.
        from_bin: string null | Source bin.
        to_bin: string null | Destination bin.
        operator_id: string pii | Employee who scanned.
        reference: string null | Order, purchase order or transfer.
        moved_at: timestamp | Scan time, UTC.
    """,
    "warehouse": """
        site: string pk | Warehouse code, e.g. `DE-HAM-01`.
        name: string public | Name.
        site_type: string public | `fulfilment-centre`, `cross-dock`, `returns-centre`, `store-hub`.
        street: string public | Address.
        city: string public | City.
        country: string public | Country.
        capacity_pallets: integer | Pallet capacity.
        operated_by: string | `own` or the logistics provider.
        opened_on: date | First day in operation.
    """,
    "productivity": """
        site: string pk | Warehouse.
        shift_date: date pk | Day.
        shift: string pk | `early`, `late`, `night`.
        picks: long | Order lines picked.
        packs: long | Parcels packed.
        hours_worked: double | Productive hours booked.
        picks_per_hour: double | Picks per productive hour.
        headcount: integer | Operators on shift.
        error_rate_pct: double | Mis-picks as a share of picks.
    """,
    "supplier": """
        supplier_id: string pk | SAP vendor number.
        name: string | Legal name.
        country: string | Country of registration.
        vat_id: string null | VAT id.
        contact_name: string pii null | Main contact.
        contact_email: string pii null | Main contact's email.
        payment_terms: string | Agreed payment terms.
        category: string | Spend category.
        is_preferred: boolean | On the preferred supplier list.
        risk_rating: string confidential null | Supplier risk rating: `low`, `medium`, `high`.
        created_at: timestamp | When the vendor was created, UTC.
    """,
    "purchase_order": """
        po_number: string pk | Purchase order number.
        po_item: integer pk | Item within the purchase order.
        supplier_id: string | Vendor.
        sku: string | Article ordered.
        quantity: integer | Units ordered.
        unit_cost: decimal(18,4) confidential | Agreed cost per unit.
        currency: string | ISO 4217 currency.
        destination_site: string | Receiving warehouse.
        ordered_on: date | Order date.
        requested_delivery: date | Requested delivery date.
        confirmed_delivery: date null | Date confirmed by the vendor.
        received_quantity: integer | Units received so far.
        status: string | `open`, `confirmed`, `partially-received`, `received`, `closed`.
    """,
    "demand_forecast": """
        sku: string pk | Article.
        site: string pk | Warehouse or store hub.
        forecast_week: date pk | Monday of the forecast week.
        forecast_units: double | Expected units sold.
        lower_p10: double | 10th percentile.
        upper_p90: double | 90th percentile.
        promo_uplift_units: double | Part of the forecast from planned promotions.
        model_version: string | Model that produced the forecast.
        generated_at: timestamp | When it was produced, UTC.
    """,
    "replenishment": """
        proposal_id: string pk | Replenishment proposal.
        sku: string | Article.
        site: string | Warehouse.
        supplier_id: string | Proposed vendor.
        proposed_quantity: integer | Units to order.
        order_by_date: date | Latest order date to avoid a stock-out.
        expected_stockout_date: date null | Stock-out date if nothing is ordered.
        reason: string | `reorder-point`, `forecast`, `promotion`, `manual`.
        approved: boolean | Approved by a planner.
    """,
    "supplier_score": """
        supplier_id: string pk | Vendor.
        quarter: string pk | Quarter, e.g. `2025-Q1`.
        on_time_delivery_pct: double | Items delivered by the confirmed date.
        in_full_pct: double | Items delivered in full.
        quality_reject_pct: double | Units rejected at goods receipt.
        avg_lead_time_days: double | Order to receipt.
        spend_eur: decimal(18,2) confidential | Spend in the quarter.
        score: double | Weighted score 0-100.
    """,
    "web_session": """
        session_id: string pk | Snowplow session id.
        domain_userid: string | First-party cookie id.
        customer_id: string null | Customer, if logged in.
        started_at: timestamp | First event, UTC.
        ended_at: timestamp | Last event, UTC.
        page_views: integer | Page views in the session.
        landing_page: string | First page path.
        referrer_medium: string null | `search`, `social`, `email`, `paid`, `internal`, `unknown`.
        device_type: string | Device class.
        browser: string | Browser family.
        geo_country: string | Country from the IP address.
        ip_address: string pii | Truncated IP address.
    """,
    "page_view": """
        event_id: string pk | Event id.
        session_id: string | Session.
        page_url: string | Page URL without query string.
        page_title: string public | Page title.
        page_type: string | `home`, `category`, `product`, `cart`, `checkout`, `account`, `content`.
        time_on_page_ms: integer null | Time until the next page view.
        scroll_depth_pct: integer null | Deepest scroll position.
        viewed_at: timestamp | When the page was shown, UTC.
    """,
    "app_event": """
        event_id: string pk | Segment message id.
        anonymous_id: string | Device id.
        user_id: string null | Customer, if logged in.
        event_name: string | Event, e.g. `Product Viewed`, `Wishlist Added`, `Order Completed`.
        app_version: string | App version.
        platform: string | `ios` or `android`.
        properties: string | Event properties as JSON.
        occurred_at: timestamp | Device time of the event, UTC.
        received_at: timestamp | When Segment received it, UTC.
    """,
    "feature_usage": """
        feature: string pk | Feature, e.g. `wishlist`, `visual-search`, `one-click-reorder`.
        usage_date: date pk | Day.
        platform: string pk | `web`, `ios`, `android`.
        active_users: long | Distinct users who used the feature.
        events: long | Events counted.
        adoption_pct: double | Active users as a share of all active users.
        retained_7d_pct: double | Users who used it again within seven days.
    """,
    "product_kpi": """
        kpi_date: date pk | Day.
        daily_active_users: long | Distinct users, web and app.
        weekly_active_users: long | Distinct users in the trailing seven days.
        conversion_rate_pct: double | Sessions with an order.
        avg_session_minutes: double | Average session length.
        net_revenue_eur: decimal(18,2) | Net revenue that day.
        nps: double null | Net promoter score from the in-app survey.
        crash_free_sessions_pct: double | App sessions without a crash.
    """,
    "experiment": """
        experiment_id: string pk | Experiment key.
        variant: string pk | `control` or a treatment name.
        metric: string pk | Metric evaluated.
        users: long | Users exposed.
        metric_value: double | Mean of the metric.
        uplift_pct: double | Change against control.
        p_value: double | Two-sided p-value.
        is_significant: boolean | p below 0.05 after correction.
        evaluated_at: timestamp | When the analysis ran, UTC.
    """,
    "employee": """
        employee_id: string pk | Workday worker id.
        first_name: string pii | Given name.
        last_name: string pii | Family name.
        work_email: string pii | Work email address.
        date_of_birth: date restricted | Date of birth.
        gender: string restricted null | Self-declared gender.
        job_title: string | Job title.
        job_family: string | Job family.
        department: string | Department.
        cost_center: string | Cost centre.
        manager_id: string null | Line manager.
        location: string | Office or site.
        employment_type: string | `permanent`, `fixed-term`, `apprentice`, `contractor`.
        fte: decimal(4,2) | Full-time equivalent.
        hire_date: date | First day.
        termination_date: date null | Last day, for leavers.
    """,
    "org_unit": """
        org_unit_id: string pk | Supervisory organisation id.
        name: string | Name.
        parent_id: string null | Parent unit.
        manager_id: string null | Manager of the unit.
        cost_center: string | Cost centre.
        level: integer | Depth in the hierarchy, 1 for the board.
        valid_from: date | Start of validity.
    """,
    "payroll": """
        employee_id: string pk | Worker.
        pay_period: string pk | Period, e.g. `2025-04`.
        gross_pay: decimal(18,2) restricted | Gross pay.
        net_pay: decimal(18,2) restricted | Net pay.
        employer_social_security: decimal(18,2) restricted | Employer contributions.
        bonus: decimal(18,2) restricted | Bonus paid in the period.
        tax_class: string restricted | Tax class.
        iban: string restricted | Bank account.
        currency: string | ISO 4217 currency.
    """,
    "headcount": """
        month: date pk | First day of the month.
        department: string pk | Department.
        location: string pk | Site.
        headcount: integer | Workers on the last day.
        fte: decimal(10,2) | Full-time equivalents.
        hires: integer | Joiners in the month.
        leavers: integer | Leavers in the month.
        open_positions: integer | Approved open requisitions.
    """,
    "attrition": """
        employee_id: string pk | Worker.
        scored_on: date pk | Day of scoring.
        attrition_probability: double restricted | Probability of leaving in twelve months.
        risk_band: string restricted | `low`, `medium`, `high`.
        tenure_months: integer | Tenure.
        last_promotion_months: integer null | Months since the last promotion.
    """,
    "absence": """
        absence_id: string pk | Absence id.
        employee_id: string | Worker.
        absence_type: string restricted | `vacation`, `sick`, `parental`, `training`, `other`.
        start_date: date | First day.
        end_date: date | Last day.
        days: decimal(5,2) | Working days.
        approved_by: string pii null | Approver.
    """,
    "timesheet": """
        timesheet_id: string pk | Timesheet id.
        employee_id: string | Worker.
        week: date | Monday of the week.
        project_code: string | Project booked.
        hours: decimal(6,2) | Hours booked.
        submitted_at: timestamp | When submitted, UTC.
    """,
    "credit_exposure": """
        customer_id: string pk | Customer.
        as_of_date: date pk | Day of the snapshot.
        credit_limit_eur: decimal(18,2) confidential | Approved limit.
        open_receivables_eur: decimal(18,2) confidential | Open invoices.
        open_orders_eur: decimal(18,2) confidential | Confirmed, not yet invoiced orders.
        utilisation_pct: double | Exposure as a share of the limit.
        days_past_due_max: integer | Worst days past due across invoices.
        internal_rating: string confidential | Rating `A` to `E`.
        on_watchlist: boolean | Under review by credit management.
    """,
    "screening": """
        screening_id: string pk | Screening case.
        party_type: string | `customer`, `supplier`, `employee`.
        party_id: string | Id of the screened party.
        party_name: string pii | Name screened.
        list_name: string null | Sanctions or PEP list with a hit.
        match_score: double | Similarity of the best hit, 0-100.
        decision: string | `no-match`, `false-positive`, `true-match`, `pending`.
        decided_by: string pii null | Analyst.
        screened_at: timestamp | When screened, UTC.
    """,
    "risk": """
        risk_id: string pk | Risk id.
        title: string confidential | Short title.
        category: string | `operational`, `financial`, `compliance`, `strategic`, `it`.
        owner: string pii | Risk owner.
        likelihood: integer | 1-5.
        impact: integer | 1-5.
        inherent_score: integer | Likelihood times impact before controls.
        residual_score: integer | Score after controls.
        status: string | `open`, `mitigating`, `accepted`, `closed`.
        review_due: date | Next review.
    """,
    "fraud_alert": """
        alert_id: string pk | Alert id.
        order_id: string null | Order concerned.
        psp_reference: string null | Payment concerned.
        customer_id: string null | Customer concerned.
        rule_id: string | Rule or model that raised the alert.
        severity: string | `low`, `medium`, `high`, `critical`.
        status: string | `new`, `investigating`, `confirmed-fraud`, `false-positive`.
        raised_at: timestamp | When raised, UTC.
        resolved_at: timestamp null | When closed, UTC.
    """,
    "fraud_feature": """
        order_id: string pk | Order.
        customer_id: string null | Customer.
        account_age_days: integer | Days since registration.
        orders_last_24h: integer | Orders from the same customer in 24 hours.
        distinct_cards_30d: integer | Distinct cards used in 30 days.
        ip_country_mismatch: boolean | IP country differs from the shipping country.
        email_domain_age_days: integer null | Age of the email domain.
        shipping_billing_distance_km: double null | Distance between the two addresses.
        basket_value_eur: decimal(18,2) | Basket value.
        device_seen_before: boolean | Device fingerprint seen on earlier good orders.
        computed_at: timestamp | Feature time, UTC.
    """,
    "fraud_score": """
        order_id: string pk | Order scored.
        score: double | Fraud probability, 0-1.
        decision: string | `accept`, `review`, `reject`.
        reason_codes: string | Top contributing features.
        model_version: string | Model version.
        scored_at: timestamp | When scored, UTC.
    """,
}

ENTITIES: dict[str, list[FieldDef]] = {name: parse_fields(text) for name, text in _ENTITY_TEXT.items()}

# Metrics and windows the generator appends when a generated product needs more fields than its entity has.
METRICS = [
    ("revenue_eur", "decimal(18,2)", "Net revenue in EUR"),
    ("order_count", "long", "Number of orders"),
    ("unit_count", "long", "Units"),
    ("active_customers", "long", "Distinct active customers"),
    ("avg_basket_eur", "decimal(18,2)", "Average basket value in EUR"),
    ("return_rate_pct", "double", "Returned units as a share of units sold"),
    ("margin_pct", "double", "Gross margin as a share of net revenue"),
    ("conversion_pct", "double", "Sessions that ended in an order"),
    ("late_deliveries", "long", "Deliveries after the promised date"),
    ("stock_cover_days", "double", "Days of demand covered by stock on hand"),
    ("tickets", "long", "Support tickets opened"),
    ("refund_eur", "decimal(18,2)", "Refunds in EUR"),
    ("sessions", "long", "Web and app sessions"),
    ("cost_eur", "decimal(18,2)", "Cost in EUR"),
]
WINDOWS = [
    ("1d", "on the day"),
    ("7d", "over the trailing 7 days"),
    ("28d", "over the trailing 28 days"),
    ("mtd", "month to date"),
    ("ytd", "year to date"),
    ("prev_year", "in the same period last year"),
]


def extra_fields(count: int) -> list[FieldDef]:
    """`count` metric columns, `revenue_eur_7d` and the like, in a fixed order."""
    out: list[FieldDef] = []
    for window, window_text in WINDOWS:
        for name, data_type, text in METRICS:
            if len(out) == count:
                return out
            out.append(FieldDef(f"{name}_{window}", data_type, f"{text} {window_text}.", True, False, "internal"))
    index = 0
    while len(out) < count:
        index += 1
        out.append(
            FieldDef(
                f"attribute_{index:03d}",
                "string",
                "Free attribute kept for the source system.",
                True,
                False,
                "internal",
            )
        )
    return out


def fields_for(entity: str, count: int | None = None) -> list[FieldDef]:
    """The entity's fields, cut or padded with metric columns to `count` when given."""
    base = ENTITIES[entity]
    if count is None:
        return list(base)
    if count <= len(base):
        return base[:count]
    return base + extra_fields(count - len(base))
