package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/settle-dev/settle/settlement"
)

// Partner settlements and payouts as PortOne reports them (issue #15). A
// state is one answer's JSON (trimmed of accounts by transfer before it
// gets here); saving the same state again is a Duplicate, a new state is
// Created in the history and becomes the latest. The latest state of each
// is what the workbook and the job read; the history is the audit trail of
// its statuses.

// SeenSettlement is one partner settlement as PortOne reported it.
type SeenSettlement struct {
	Settlement settlement.PartnerSettlement // ID set
	Raw        []byte
}

// SeenPayout is one payout as PortOne reported it, with the settlement
// date of the partner settlements it pays (zero when unknown).
type SeenPayout struct {
	Payout     settlement.PayoutRecord
	PayoutDate settlement.Date
	Raw        []byte
}

// StateSeen is one entry of a status history: a state first seen at SeenAt.
type StateSeen struct {
	Status string
	Amount settlement.Won // settlement amount of a partner settlement, payout amount of a payout
	Detail string         // a payout's failReason
	SeenAt time.Time
}

type stateRow struct {
	portoneID, hash, status, detail, raw string
	amount                               int64
	seen                                 instant
	current                              func(tx *gorm.DB) error // writes the latest state
}

var settlementStates = &idempotent[stateRow]{
	record: "partner settlement state", table: "partner_settlement_history",
	keyCols: []string{"portone_id", "state_hash"}, hashCol: "state_hash",
}

var payoutStates = &idempotent[stateRow]{
	record: "payout state", table: "payout_history",
	keyCols: []string{"portone_id", "state_hash"}, hashCol: "state_hash",
}

func init() {
	for _, spec := range []*idempotent[stateRow]{settlementStates, payoutStates} {
		table := spec.table
		spec.key = func(r *stateRow) rowKey { return rowKey{r.portoneID, r.hash} }
		spec.name = func(r *stateRow) string { return r.portoneID }
		spec.check = func(r *stateRow) (payload, error) {
			if r.portoneID == "" {
				return payload{}, &InvalidError{Record: spec.record, Field: "id", Err: errors.New("missing")}
			}
			return payload{hash: r.hash, body: func() []byte { return []byte(r.raw) }}, nil
		}
		spec.stored = func(*gorm.DB, int64) ([]byte, error) { return nil, nil } // the key holds the hash: never a conflict
		spec.diff = func(_, _ []byte) []FieldDiff { return nil }
		spec.insert = func(tx *gorm.DB, recs []stateRow, fresh []int, _ []payload, ids []int64) error {
			for n, i := range fresh {
				r := &recs[i]
				q := "INSERT INTO " + table + " (portone_id, state_hash, status, " + amountColOf(table) + ", raw_json, seen_at"
				args := []any{r.portoneID, r.hash, r.status, r.amount, r.raw, r.seen}
				if table == "payout_history" {
					q += ", fail_reason"
					args = append(args, r.detail)
				}
				q += ") VALUES (?" + strings.Repeat(", ?", len(args)-1) + ") RETURNING id"
				if err := tx.Raw(q, args...).Scan(&ids[n]).Error; err != nil {
					return err
				}
			}
			return nil
		}
		// The latest state is the one just seen, new or seen before (a
		// state can come back).
		spec.after = func(tx *gorm.DB, recs []stateRow, _ []Outcome) error {
			for i := range recs {
				if err := recs[i].current(tx); err != nil {
					return err
				}
			}
			return nil
		}
	}
}

func amountColOf(table string) string {
	if table == "payout_history" {
		return "amount"
	}
	return "settlement"
}

// SavePartnerSettlements records each settlement's state: Created when the
// state is new (it is then the latest), Duplicate when it was seen before.
func (s *Store) SavePartnerSettlements(ctx context.Context, ss []SeenSettlement) ([]Outcome, error) {
	rows, seen := make([]stateRow, len(ss)), at(s.nowUTC())
	for i := range ss {
		p, raw := ss[i].Settlement, string(ss[i].Raw)
		rows[i] = stateRow{portoneID: p.ID, hash: sha(raw), status: string(p.Status), raw: raw, amount: int64(p.Amounts.Settlement), seen: seen}
		rows[i].current = func(tx *gorm.DB) error {
			return tx.Exec(`INSERT INTO partner_settlements (portone_id, partner_id, contract_id, kind, settlement_date, currency,
				status, settlement, settlement_tax_free, state_hash, raw_json, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (portone_id) DO UPDATE SET status = excluded.status, settlement = excluded.settlement,
				settlement_tax_free = excluded.settlement_tax_free, state_hash = excluded.state_hash, raw_json = excluded.raw_json,
				updated_at = excluded.updated_at`,
				p.ID, string(p.Key.PartnerID), p.Key.ContractID, string(p.Key.Kind), p.Key.SettlementDate.String(), string(p.Key.Currency),
				string(p.Status), int64(p.Amounts.Settlement), int64(p.Amounts.SettlementTaxFree), rows[i].hash, raw, seen).Error
		}
	}
	return s.saveStates(ctx, settlementStates, rows)
}

// SavePayouts records each payout's state like SavePartnerSettlements.
func (s *Store) SavePayouts(ctx context.Context, ps []SeenPayout) ([]Outcome, error) {
	rows, seen := make([]stateRow, len(ps)), at(s.nowUTC())
	for i := range ps {
		p, raw, date := ps[i].Payout, string(ps[i].Raw), ""
		if !ps[i].PayoutDate.IsZero() {
			date = ps[i].PayoutDate.String()
		}
		rows[i] = stateRow{portoneID: p.ID, hash: sha(raw, date), status: string(p.Status), detail: p.FailReason, raw: raw, amount: int64(p.Amounts.Amount), seen: seen}
		a := p.Amounts
		rows[i].current = func(tx *gorm.DB) error {
			return tx.Exec(`INSERT INTO payouts (portone_id, bulk_payout_id, partner_id, currency, payout_date, status,
				amount, supply, tax_free, vat, settlement, settlement_tax_free, income_tax, local_income_tax,
				deduct_wht, amount_type, fail_reason, created_at, scheduled_at, status_updated_at, state_hash, raw_json, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (portone_id) DO UPDATE SET payout_date = excluded.payout_date, status = excluded.status,
				amount = excluded.amount, supply = excluded.supply, tax_free = excluded.tax_free, vat = excluded.vat,
				settlement = excluded.settlement, settlement_tax_free = excluded.settlement_tax_free,
				income_tax = excluded.income_tax, local_income_tax = excluded.local_income_tax, deduct_wht = excluded.deduct_wht,
				amount_type = excluded.amount_type, fail_reason = excluded.fail_reason, scheduled_at = excluded.scheduled_at,
				status_updated_at = excluded.status_updated_at, state_hash = excluded.state_hash, raw_json = excluded.raw_json,
				updated_at = excluded.updated_at`,
				p.ID, p.BulkPayoutID, string(p.Key.PartnerID), string(p.Key.Currency), date, string(p.Status),
				int64(a.Amount), int64(a.Supply), int64(a.TaxFree), int64(a.VAT), int64(a.Settlement), int64(a.SettlementTaxFree),
				int64(a.IncomeTax), int64(a.LocalIncomeTax), boolInt(p.DeductWht), string(p.AmountType), p.FailReason,
				at(p.CreatedAt), at(p.ScheduledAt), at(p.StatusUpdatedAt), rows[i].hash, raw, seen).Error
		}
	}
	return s.saveStates(ctx, payoutStates, rows)
}

func (s *Store) saveStates(ctx context.Context, spec *idempotent[stateRow], rows []stateRow) ([]Outcome, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	return saveIdempotent(ctx, s, spec, rows)
}

// PartnerSettlementHistory is the states seen of one partner settlement,
// oldest first.
func (s *Store) PartnerSettlementHistory(ctx context.Context, portoneID string) ([]StateSeen, error) {
	return s.history(ctx, "SELECT status, settlement AS amount, '' AS detail, seen_at FROM partner_settlement_history WHERE portone_id = ? ORDER BY seen_at, id", portoneID)
}

// PayoutHistory is the states seen of one payout, oldest first.
func (s *Store) PayoutHistory(ctx context.Context, portoneID string) ([]StateSeen, error) {
	return s.history(ctx, "SELECT status, amount, fail_reason AS detail, seen_at FROM payout_history WHERE portone_id = ? ORDER BY seen_at, id", portoneID)
}

func (s *Store) history(ctx context.Context, q, id string) ([]StateSeen, error) {
	var rows []struct {
		Status string
		Amount int64
		Detail string
		SeenAt instant
	}
	if err := s.r(ctx).Raw(q, id).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("read history of %s: %w", id, err)
	}
	out := make([]StateSeen, len(rows))
	for i, r := range rows {
		out[i] = StateSeen{Status: r.Status, Amount: settlement.Won(r.Amount), Detail: r.Detail, SeenAt: r.SeenAt.Time}
	}
	return out, nil
}

// PartnerSettlementsOn is the latest state of every partner settlement of
// the settlement dates from..until (inclusive), as saved.
func (s *Store) PartnerSettlementsOn(ctx context.Context, from, until settlement.Date) ([]SeenSettlement, error) {
	var rows []struct {
		PortoneID, PartnerID, ContractID, Kind, SettlementDate, Currency, Status string
		Settlement, SettlementTaxFree                                            int64
		RawJSON                                                                  string `gorm:"column:raw_json"`
	}
	err := s.r(ctx).Raw(`SELECT portone_id, partner_id, contract_id, kind, settlement_date, currency, status, settlement,
		settlement_tax_free, raw_json FROM partner_settlements WHERE settlement_date BETWEEN ? AND ? ORDER BY settlement_date, partner_id, portone_id`,
		from.String(), until.String()).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("read partner settlements %s..%s: %w", from, until, err)
	}
	out := make([]SeenSettlement, len(rows))
	for i, r := range rows {
		d, _ := settlement.ParseDate(r.SettlementDate)
		out[i] = SeenSettlement{Raw: []byte(r.RawJSON), Settlement: settlement.PartnerSettlement{
			ID: r.PortoneID, Status: settlement.PartnerSettlementStatus(r.Status),
			Key: settlement.SettlementKey{PartnerID: settlement.PartnerID(r.PartnerID), ContractID: r.ContractID,
				Kind: settlement.Kind(r.Kind), SettlementDate: d, Currency: settlement.Currency(r.Currency)},
			Amounts: settlement.Amounts{Settlement: settlement.Won(r.Settlement), SettlementTaxFree: settlement.Won(r.SettlementTaxFree)},
		}}
	}
	return out, nil
}

// PayoutCheck is the payouts job's reconciliation of one partner's payout
// of one payout date: ours (nil when we expect none), PortOne's (nil when
// it has none), its status and the reasons it needs a look.
type PayoutCheck struct {
	PayoutDate settlement.Date
	PartnerID  settlement.PartnerID
	Currency   settlement.Currency
	PayoutID   string // PortOne's, or ""
	Status     string // the payout's status, else its settlements' (PAYOUT_WITHHELD, …)
	FailReason string
	Treatment  settlement.Treatment
	Ours       *settlement.PayoutAmounts
	Theirs     *settlement.PayoutAmounts
	Reasons    []settlement.MismatchReason
}

// PayoutMismatch is one difference the payouts job found: Subject is
// "payout" or "partner settlement", Key names it (a payout id or a
// settlement key).
type PayoutMismatch struct {
	PayoutDate settlement.Date
	Subject    string
	Key        string
	PartnerID  settlement.PartnerID
	settlement.Mismatch
}

// ReplacePayoutChecks replaces the checks and mismatches of payout dates
// from..until with the job's latest, in one transaction.
func (s *Store) ReplacePayoutChecks(ctx context.Context, from, until settlement.Date, checks []PayoutCheck, ms []PayoutMismatch) error {
	now := at(s.nowUTC())
	err := s.tx(ctx, func(tx *gorm.DB) error {
		for _, t := range []string{"payout_checks", "payout_mismatches"} {
			if err := tx.Exec("DELETE FROM "+t+" WHERE payout_date BETWEEN ? AND ?", from.String(), until.String()).Error; err != nil {
				return err
			}
		}
		for _, c := range checks {
			ours, theirs := amountsJSON(c.Ours), amountsJSON(c.Theirs)
			reasons := make([]string, len(c.Reasons))
			for i, r := range c.Reasons {
				reasons[i] = string(r)
			}
			err := tx.Exec(`INSERT INTO payout_checks (payout_date, partner_id, currency, payout_id, status, fail_reason, vat_treatment,
				withhold, has_ours, has_theirs, ours_json, theirs_json, reasons, checked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				c.PayoutDate.String(), string(c.PartnerID), string(c.Currency), c.PayoutID, c.Status, c.FailReason, c.Treatment.VAT.String(),
				boolInt(c.Treatment.Withhold), boolInt(c.Ours != nil), boolInt(c.Theirs != nil), ours, theirs, strings.Join(reasons, ","), now).Error
			if err != nil {
				return err
			}
		}
		for _, m := range ms {
			err := tx.Exec(`INSERT INTO payout_mismatches (payout_date, subject, subject_key, partner_id, reason, field,
				local_amount, portone_amount, diff, detail, checked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				m.PayoutDate.String(), m.Subject, m.Key, string(m.PartnerID), string(m.Reason), m.Field,
				int64(m.Local), int64(m.PortOne), int64(m.Diff), m.Detail, now).Error
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("save payout checks %s..%s: %w", from, until, err)
	}
	return nil
}

// PayoutChecks reads the checks of payout dates from..until, by date and
// partner.
func (s *Store) PayoutChecks(ctx context.Context, from, until settlement.Date) ([]PayoutCheck, error) {
	var rows []struct {
		PayoutDate, PartnerID, Currency, PayoutID, Status, FailReason, VatTreatment string
		Withhold, HasOurs, HasTheirs                                                int64
		OursJSON                                                                    string `gorm:"column:ours_json"`
		TheirsJSON                                                                  string `gorm:"column:theirs_json"`
		Reasons                                                                     string
	}
	err := s.r(ctx).Raw(`SELECT payout_date, partner_id, currency, payout_id, status, fail_reason, vat_treatment, withhold,
		has_ours, has_theirs, ours_json, theirs_json, reasons FROM payout_checks WHERE payout_date BETWEEN ? AND ?
		ORDER BY payout_date, partner_id, currency, payout_id`, from.String(), until.String()).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("read payout checks %s..%s: %w", from, until, err)
	}
	out := make([]PayoutCheck, len(rows))
	for i, r := range rows {
		d, _ := settlement.ParseDate(r.PayoutDate)
		c := PayoutCheck{PayoutDate: d, PartnerID: settlement.PartnerID(r.PartnerID), Currency: settlement.Currency(r.Currency),
			PayoutID: r.PayoutID, Status: r.Status, FailReason: r.FailReason, Treatment: settlement.Treatment{Withhold: r.Withhold != 0}}
		switch r.VatTreatment {
		case settlement.VATIncluded.String():
			c.Treatment.VAT = settlement.VATIncluded
		case settlement.VATAdded.String():
			c.Treatment.VAT = settlement.VATAdded
		}
		if r.HasOurs != 0 {
			c.Ours = amountsFromJSON(r.OursJSON)
		}
		if r.HasTheirs != 0 {
			c.Theirs = amountsFromJSON(r.TheirsJSON)
		}
		for _, x := range strings.Split(r.Reasons, ",") {
			if x != "" {
				c.Reasons = append(c.Reasons, settlement.MismatchReason(x))
			}
		}
		out[i] = c
	}
	return out, nil
}

// PayoutMismatches reads the mismatches of payout dates from..until.
func (s *Store) PayoutMismatches(ctx context.Context, from, until settlement.Date) ([]PayoutMismatch, error) {
	var rows []struct {
		PayoutDate, Subject, SubjectKey, PartnerID, Reason, Field, Detail string
		LocalAmount, PortoneAmount, Diff                                  int64
	}
	err := s.r(ctx).Raw(`SELECT payout_date, subject, subject_key, partner_id, reason, field, local_amount, portone_amount, diff, detail
		FROM payout_mismatches WHERE payout_date BETWEEN ? AND ? ORDER BY payout_date, partner_id, id`, from.String(), until.String()).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("read payout mismatches %s..%s: %w", from, until, err)
	}
	out := make([]PayoutMismatch, len(rows))
	for i, r := range rows {
		d, _ := settlement.ParseDate(r.PayoutDate)
		out[i] = PayoutMismatch{PayoutDate: d, Subject: r.Subject, Key: r.SubjectKey, PartnerID: settlement.PartnerID(r.PartnerID),
			Mismatch: settlement.Mismatch{Reason: settlement.MismatchReason(r.Reason), Field: r.Field, Local: settlement.Won(r.LocalAmount),
				PortOne: settlement.Won(r.PortoneAmount), Diff: settlement.Won(r.Diff), Detail: r.Detail}}
	}
	return out, nil
}

// amountsJSON keeps a payout's amounts under PortOne's field names.
func amountsJSON(a *settlement.PayoutAmounts) string {
	if a == nil {
		return ""
	}
	m := map[string]int64{}
	for _, f := range settlement.PayoutFields {
		m[f.Name] = int64(*f.Get(a))
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func amountsFromJSON(s string) *settlement.PayoutAmounts {
	var m map[string]int64
	_ = json.Unmarshal([]byte(s), &m)
	a := &settlement.PayoutAmounts{}
	for _, f := range settlement.PayoutFields {
		*f.Get(a) = settlement.Won(m[f.Name])
	}
	return a
}

// PostedSettlementTotal is our settlements of one partner settlement key
// (partner, contract, kind, settlement date; settle's are all KRW) whose
// transfers PortOne has, added up: what PortOne's partner settlements of
// the key should add up to. A cancel's amounts are positive, as stored.
type PostedSettlementTotal struct {
	PartnerID             settlement.PartnerID
	ContractID            string
	Kind                  settlement.Kind
	SettlementDate        settlement.Date
	StartFrom, StartUntil settlement.Date
	Transfers             int
	Amounts               settlement.Amounts
}

// PostedSettlementTotals streams the totals of the settlement dates
// from..until, by key: one grouped query, whatever the number of
// transfers. A sum beyond the range of int64 is an error of the database.
func (s *Store) PostedSettlementTotals(ctx context.Context, from, until settlement.Date, fn func(*PostedSettlementTotal) error) error {
	sums := make([]string, len(amountCols))
	for i, c := range amountCols {
		sums[i] = "CAST(SUM(s." + c + ") AS BIGINT)"
	}
	query := `SELECT s.partner_id, s.contract_id, s.kind, s.settlement_date, MIN(s.settlement_start_date), MAX(s.settlement_start_date),
		COUNT(*), ` + strings.Join(sums, ", ") + `
	FROM settlements s
	JOIN transfer_intents i ON i.partner_id = s.partner_id AND i.payment_id = s.payment_id
		AND i.kind = s.kind AND i.cancellation_id = s.cancellation_id
	JOIN portone_transfers p ON p.transfer_id = i.portone_transfer_id
	WHERE s.settlement_date BETWEEN ? AND ?
	GROUP BY s.partner_id, s.contract_id, s.kind, s.settlement_date
	ORDER BY s.partner_id, s.settlement_date, s.kind, s.contract_id`
	var r PostedSettlementTotal
	return s.stream(ctx, "posted settlement totals", query, []any{from.String(), until.String()}, func(rows *sql.Rows) error {
		r = PostedSettlementTotal{}
		var sd, lo, hi day
		var kind string
		var n int64
		dest := amountDests([]any{&r.PartnerID, &r.ContractID, &kind, &sd, &lo, &hi, &n}, &r.Amounts)
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("posted settlement totals: %w", err)
		}
		r.Kind, r.SettlementDate, r.StartFrom, r.StartUntil, r.Transfers = settlement.Kind(kind), sd.date(), lo.date(), hi.date(), int(n)
		return fn(&r)
	})
}

// CountPayoutMismatches counts the payouts job's current mismatches, of
// every payout date, by reason (PAYOUT_FAILED, PAYOUT_AMOUNT_DIFFERS, …):
// what `settle status` and /metrics say needs a look.
func (s *Store) CountPayoutMismatches(ctx context.Context) (map[settlement.MismatchReason]int64, error) {
	var rows []struct {
		Reason string
		N      int64
	}
	if err := s.w(ctx).Raw("SELECT reason, COUNT(*) AS n FROM payout_mismatches GROUP BY reason").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("count payout mismatches: %w", err)
	}
	out := make(map[settlement.MismatchReason]int64, len(rows))
	for _, r := range rows {
		out[settlement.MismatchReason(r.Reason)] = r.N
	}
	return out, nil
}
