package store

// schemaPayouts keeps partner settlements and payouts as PortOne reports them
// (issue #15): the latest state of each (partner_settlements, payouts),
// every distinct state seen, first-seen time kept (…_history, saved
// idempotently by (portone id, state hash)), and the payouts job's
// reconciliation of a payout date (payout_checks, payout_mismatches),
// replaced each run for the dates it checked. Amounts are won, int64.
const schemaPayouts = `
CREATE TABLE partner_settlements (
	id {{pk}},
	portone_id TEXT NOT NULL UNIQUE,
	partner_id TEXT NOT NULL,
	contract_id TEXT NOT NULL DEFAULT '',
	kind TEXT NOT NULL,
	settlement_date TEXT NOT NULL,
	currency TEXT NOT NULL,
	status TEXT NOT NULL,
	settlement {{int}} NOT NULL DEFAULT 0,
	settlement_tax_free {{int}} NOT NULL DEFAULT 0,
	state_hash TEXT NOT NULL,
	raw_json TEXT NOT NULL,
	updated_at {{ts}} NOT NULL
);
CREATE INDEX partner_settlements_date ON partner_settlements (settlement_date, partner_id);
CREATE TABLE partner_settlement_history (
	id {{pk}},
	portone_id TEXT NOT NULL,
	state_hash TEXT NOT NULL,
	status TEXT NOT NULL,
	settlement {{int}} NOT NULL DEFAULT 0,
	raw_json TEXT NOT NULL,
	seen_at {{ts}} NOT NULL,
	UNIQUE (portone_id, state_hash)
);
CREATE TABLE payouts (
	id {{pk}},
	portone_id TEXT NOT NULL UNIQUE,
	bulk_payout_id TEXT NOT NULL DEFAULT '',
	partner_id TEXT NOT NULL,
	currency TEXT NOT NULL,
	payout_date TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL,
	amount {{int}} NOT NULL DEFAULT 0,
	supply {{int}} NOT NULL DEFAULT 0,
	tax_free {{int}} NOT NULL DEFAULT 0,
	vat {{int}} NOT NULL DEFAULT 0,
	settlement {{int}} NOT NULL DEFAULT 0,
	settlement_tax_free {{int}} NOT NULL DEFAULT 0,
	income_tax {{int}} NOT NULL DEFAULT 0,
	local_income_tax {{int}} NOT NULL DEFAULT 0,
	deduct_wht {{int}} NOT NULL DEFAULT 0,
	amount_type TEXT NOT NULL DEFAULT '',
	fail_reason TEXT NOT NULL DEFAULT '',
	created_at {{ts}},
	scheduled_at {{ts}},
	status_updated_at {{ts}},
	state_hash TEXT NOT NULL,
	raw_json TEXT NOT NULL,
	updated_at {{ts}} NOT NULL
);
CREATE INDEX payouts_date ON payouts (payout_date, partner_id);
CREATE TABLE payout_history (
	id {{pk}},
	portone_id TEXT NOT NULL,
	state_hash TEXT NOT NULL,
	status TEXT NOT NULL,
	amount {{int}} NOT NULL DEFAULT 0,
	fail_reason TEXT NOT NULL DEFAULT '',
	raw_json TEXT NOT NULL,
	seen_at {{ts}} NOT NULL,
	UNIQUE (portone_id, state_hash)
);
CREATE TABLE payout_checks (
	id {{pk}},
	payout_date TEXT NOT NULL,
	partner_id TEXT NOT NULL,
	currency TEXT NOT NULL,
	payout_id TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL DEFAULT '',
	fail_reason TEXT NOT NULL DEFAULT '',
	vat_treatment TEXT NOT NULL DEFAULT '',
	withhold {{int}} NOT NULL DEFAULT 0,
	has_ours {{int}} NOT NULL DEFAULT 0,
	has_theirs {{int}} NOT NULL DEFAULT 0,
	ours_json TEXT NOT NULL DEFAULT '',
	theirs_json TEXT NOT NULL DEFAULT '',
	reasons TEXT NOT NULL DEFAULT '',
	checked_at {{ts}} NOT NULL
);
CREATE INDEX payout_checks_date ON payout_checks (payout_date, partner_id);
CREATE TABLE payout_mismatches (
	id {{pk}},
	payout_date TEXT NOT NULL,
	subject TEXT NOT NULL,
	subject_key TEXT NOT NULL,
	partner_id TEXT NOT NULL,
	reason TEXT NOT NULL,
	field TEXT NOT NULL DEFAULT '',
	local_amount {{int}} NOT NULL DEFAULT 0,
	portone_amount {{int}} NOT NULL DEFAULT 0,
	diff {{int}} NOT NULL DEFAULT 0,
	detail TEXT NOT NULL DEFAULT '',
	checked_at {{ts}} NOT NULL
);
CREATE INDEX payout_mismatches_date ON payout_mismatches (payout_date, partner_id);
`
