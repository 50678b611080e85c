package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/settle-dev/settle/settlement"
)

// Read models. Each streams rows from the database to a callback, one row
// at a time through database/sql Rows on the read pool (SQLite: a separate
// WAL reader, so writers are not held up), so an export of a million lines
// holds one row in memory. A callback must not keep the pointer it is
// given: the row is reused. An error from the callback stops the walk and
// is returned as is.

// Query selects what a read model covers. Zero fields select everything.
type Query struct {
	From, To  settlement.Date // business dates, inclusive
	PartnerID settlement.PartnerID
	// BySettlementDate makes From/To select settlement dates instead of
	// business dates (for "what is paid out on day X").
	BySettlementDate bool
}

func (q Query) where(alias string) (string, []any) {
	var conds []string
	var args []any
	col := alias + ".business_date"
	if q.BySettlementDate {
		col = alias + ".settlement_date"
	}
	switch {
	case !q.From.IsZero() && q.From == q.To:
		// One day: an equality, so that an index on (date, …) also gives
		// the rows in the order of its other columns.
		conds, args = append(conds, col+" = ?"), append(args, day(q.From))
	default:
		if !q.From.IsZero() {
			conds, args = append(conds, col+" >= ?"), append(args, day(q.From))
		}
		if !q.To.IsZero() {
			conds, args = append(conds, col+" <= ?"), append(args, day(q.To))
		}
	}
	if q.PartnerID != "" {
		conds, args = append(conds, alias+".partner_id = ?"), append(args, q.PartnerID)
	}
	if len(conds) == 0 {
		return "1 = 1", nil
	}
	return strings.Join(conds, " AND "), args
}

// scanRows calls scan for each of rows and closes them, looking for a
// cancel of ctx before each row (the queries run on a context the driver
// does not watch: see quiet).
func scanRows(ctx context.Context, what string, rows *sql.Rows, scan func(*sql.Rows) error) error {
	defer rows.Close()
	for rows.Next() {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if err := scan(rows); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// stream runs a query on the read pool and calls scan for each row.
func (s *Store) stream(ctx context.Context, what, query string, args []any, scan func(*sql.Rows) error) error {
	// The driver steps the rows on a context it does not watch (see
	// quiet); ctx is checked before every row instead.
	rows, err := s.r(quiet(ctx)).Raw(query, args...).Rows()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return scanRows(ctx, what, rows, scan)
}

// The joins from a settlement to its intent and PortOne's answer.
const joinAnswer = `
LEFT JOIN transfer_intents i ON i.partner_id = s.partner_id AND i.payment_id = s.payment_id
	AND i.kind = s.kind AND i.cancellation_id = s.cancellation_id
LEFT JOIN portone_transfers p ON p.transfer_id = i.portone_transfer_id`

// PartnerDayTotal is one row of the workbook's Summary: a partner's
// settlements falling on one settlement date. Cancellations count
// negatively in every amount. PortOneSettlement sums PortOne's answers;
// Difference is local − PortOne over the transfers PortOne has answered
// (Unanswered counts the others).
type PartnerDayTotal struct {
	PartnerID         settlement.PartnerID
	SettlementDate    settlement.Date
	Orders            int64
	Cancellations     int64
	Order             settlement.Won
	PlatformFee       settlement.Won
	PlatformFeeVat    settlement.Won
	DiscountShare     settlement.Won
	AdditionalFee     settlement.Won
	AdditionalFeeVat  settlement.Won
	PaymentVatBurden  settlement.Won
	Settlement        settlement.Won
	PortOneSettlement settlement.Won
	Difference        settlement.Won
	Unanswered        int64
}

// PartnerDayTotals streams per partner and settlement date totals of the
// settlements q selects, ordered by partner then settlement date.
func (s *Store) PartnerDayTotals(ctx context.Context, q Query, fn func(*PartnerDayTotal) error) error {
	where, args := q.where("s")
	const sg = "(CASE WHEN s.kind = 'ORDER_CANCEL' THEN -1 ELSE 1 END)"
	sum := func(col string) string { return "COALESCE(SUM(" + sg + " * s." + col + "), 0)" }
	query := `SELECT s.partner_id, s.settlement_date,
		COALESCE(SUM(CASE WHEN s.kind = 'ORDER' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN s.kind = 'ORDER_CANCEL' THEN 1 ELSE 0 END), 0),
		` + strings.Join([]string{sum("a_order"), sum("a_platform_fee"), sum("a_platform_fee_vat"), sum("a_discount_share"),
		sum("a_additional_fee"), sum("a_additional_fee_vat"), sum("a_payment_vat_burden"), sum("a_settlement")}, ",\n\t\t") + `,
		COALESCE(SUM(CASE WHEN p.id IS NOT NULL THEN ` + sg + ` * p.a_settlement ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN p.id IS NOT NULL THEN ` + sg + ` * (s.a_settlement - p.a_settlement) ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN p.id IS NULL THEN 1 ELSE 0 END), 0)
	FROM settlements s` + joinAnswer + `
	WHERE ` + where + `
	GROUP BY s.partner_id, s.settlement_date
	ORDER BY s.partner_id, s.settlement_date`
	var t PartnerDayTotal
	return s.stream(ctx, "partner day totals", query, args, func(rows *sql.Rows) error {
		t = PartnerDayTotal{}
		var d day
		if err := rows.Scan(&t.PartnerID, &d, &t.Orders, &t.Cancellations, (*int64)(&t.Order), (*int64)(&t.PlatformFee),
			(*int64)(&t.PlatformFeeVat), (*int64)(&t.DiscountShare), (*int64)(&t.AdditionalFee), (*int64)(&t.AdditionalFeeVat),
			(*int64)(&t.PaymentVatBurden), (*int64)(&t.Settlement), (*int64)(&t.PortOneSettlement), (*int64)(&t.Difference),
			&t.Unanswered); err != nil {
			return fmt.Errorf("partner day totals: %w", err)
		}
		t.SettlementDate = d.date()
		return fn(&t)
	})
}

// SettlementRow is one order or cancellation transfer with its block, its
// intent and PortOne's answer: the workbook's Orders and Cancellations
// sheets. Amounts are positive magnitudes for cancellations too (PortOne's
// convention); Kind tells them apart.
type SettlementRow struct {
	BusinessDate        settlement.Date
	PartnerID           settlement.PartnerID
	PaymentID           settlement.PaymentID
	Kind                settlement.Kind
	CancellationID      settlement.CancellationID
	ContractID          string
	ContractVersion     int
	SettlementStartDate settlement.Date
	SettlementDate      settlement.Date
	Lines               int64
	Amounts             settlement.Amounts
	IntentID            settlement.TransferID
	IntentStatus        IntentStatus
	TransferID          settlement.TransferID
	TransferStatus      settlement.TransferStatus
	HasPortOne          bool
	PortOne             settlement.Amounts // zero unless HasPortOne
}

// SettlementRows streams one row per settlement q selects, by business
// date, partner and id.
func (s *Store) SettlementRows(ctx context.Context, q Query, fn func(*SettlementRow) error) error {
	where, args := q.where("s")
	query := `SELECT s.business_date, s.partner_id, s.payment_id, s.kind, s.cancellation_id, s.contract_id, s.contract_version,
		s.settlement_start_date, s.settlement_date,
		(SELECT COUNT(*) FROM settlement_lines l WHERE l.settlement_ref = s.id),
		` + amountList("s.") + `,
		COALESCE(i.intent_id, ''), COALESCE(i.status, ''), COALESCE(p.transfer_id, ''), COALESCE(p.status, ''),
		CASE WHEN p.id IS NULL THEN 0 ELSE 1 END,
		` + coalescedAmounts("p.") + `
	FROM settlements s` + joinAnswer + `
	WHERE ` + where + `
	ORDER BY s.business_date, s.partner_id, s.id`
	var r SettlementRow
	return s.stream(ctx, "settlement rows", query, args, func(rows *sql.Rows) error {
		r = SettlementRow{}
		var bd, sd, st day
		var kind, istatus, tstatus string
		var has int64
		dest := []any{&bd, &r.PartnerID, &r.PaymentID, &kind, &r.CancellationID, &r.ContractID, &r.ContractVersion, &st, &sd, &r.Lines}
		dest = amountDests(dest, &r.Amounts)
		dest = append(dest, &r.IntentID, &istatus, &r.TransferID, &tstatus, &has)
		dest = amountDests(dest, &r.PortOne)
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("settlement rows: %w", err)
		}
		r.BusinessDate, r.SettlementStartDate, r.SettlementDate = bd.date(), st.date(), sd.date()
		r.Kind, r.IntentStatus, r.TransferStatus, r.HasPortOne = settlement.Kind(kind), IntentStatus(istatus), settlement.TransferStatus(tstatus), has == 1
		return fn(&r)
	})
}

func coalescedAmounts(prefix string) string {
	parts := make([]string, len(amountCols))
	for i, c := range amountCols {
		parts[i] = "COALESCE(" + prefix + c + ", 0)"
	}
	return strings.Join(parts, ", ")
}

// OrderLineRow is one line block of an order or cancellation transfer with
// PortOne's block for the same product: the flat detail export.
type OrderLineRow struct {
	BusinessDate        settlement.Date
	PartnerID           settlement.PartnerID
	PaymentID           settlement.PaymentID
	Kind                settlement.Kind
	CancellationID      settlement.CancellationID
	LineNo              int
	ProductID           string
	ProductName         string
	Quantity            int64
	SettlementStartDate settlement.Date
	SettlementDate      settlement.Date
	Amounts             settlement.Amounts
	IntentID            settlement.TransferID
	TransferID          settlement.TransferID
	TransferStatus      settlement.TransferStatus
	HasPortOne          bool
	PortOne             settlement.Amounts
}

// OrderLineRows streams every line block q selects, by business date,
// settlement and line number, one row in memory at a time.
func (s *Store) OrderLineRows(ctx context.Context, q Query, fn func(*OrderLineRow) error) error {
	where, args := q.where("s")
	query := `SELECT s.business_date, s.partner_id, s.payment_id, s.kind, s.cancellation_id, l.line_no, l.product_id,
		l.product_name, l.quantity, l.settlement_start_date, l.settlement_date,
		` + amountList("l.") + `,
		COALESCE(i.intent_id, ''), COALESCE(p.transfer_id, ''), COALESCE(p.status, ''),
		CASE WHEN pl.id IS NULL THEN 0 ELSE 1 END,
		` + coalescedAmounts("pl.") + `
	FROM settlements s
	JOIN settlement_lines l ON l.settlement_ref = s.id` + joinAnswer + `
	LEFT JOIN portone_transfer_lines pl ON pl.portone_transfer_ref = p.id AND pl.product_id = l.product_id
	WHERE ` + where + `
	ORDER BY s.business_date, s.id, l.line_no`
	var r OrderLineRow
	return s.stream(ctx, "order line rows", query, args, func(rows *sql.Rows) error {
		r = OrderLineRow{}
		var bd, st, sd day
		var kind, tstatus string
		var has int64
		dest := []any{&bd, &r.PartnerID, &r.PaymentID, &kind, &r.CancellationID, &r.LineNo, &r.ProductID, &r.ProductName, &r.Quantity, &st, &sd}
		dest = amountDests(dest, &r.Amounts)
		dest = append(dest, &r.IntentID, &r.TransferID, &tstatus, &has)
		dest = amountDests(dest, &r.PortOne)
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("order line rows: %w", err)
		}
		r.BusinessDate, r.SettlementStartDate, r.SettlementDate = bd.date(), st.date(), sd.date()
		r.Kind, r.TransferStatus, r.HasPortOne = settlement.Kind(kind), settlement.TransferStatus(tstatus), has == 1
		return fn(&r)
	})
}

// Mismatch is one difference between our numbers and PortOne's, per order
// (ProductID "") or per line, for one field.
type Mismatch struct {
	BusinessDate settlement.Date
	PartnerID    settlement.PartnerID
	PaymentID    settlement.PaymentID
	IntentID     settlement.TransferID
	TransferID   settlement.TransferID
	ProductID    string // "" for the order-level block
	Reason       settlement.MismatchReason
	Field        string // PortOne's field name, e.g. "platformFeeVat"
	Local        settlement.Won
	PortOne      settlement.Won
	Diff         settlement.Won // PortOne − Local
	LocalText    string         // for non-money fields (dates, statuses)
	PortOneText  string

	ID         int64
	RecordedAt time.Time
}

// ReplaceMismatches replaces the mismatches recorded for business date d
// with ms, in one transaction: a reconcile rerun leaves exactly its own
// findings. Diff is computed when zero and both sides are money.
func (s *Store) ReplaceMismatches(ctx context.Context, d settlement.Date, ms []Mismatch) error {
	now := at(s.nowUTC())
	rows := make([]mismatchRow, len(ms))
	for i, m := range ms {
		if m.Diff == 0 {
			m.Diff = m.PortOne - m.Local
		}
		rows[i] = mismatchRow{BusinessDate: day(d), PartnerID: m.PartnerID, PaymentID: m.PaymentID, IntentID: m.IntentID,
			TransferID: m.TransferID, ProductID: m.ProductID, Reason: string(m.Reason), Field: m.Field, LocalValue: int64(m.Local),
			PortoneValue: int64(m.PortOne), Diff: int64(m.Diff), LocalText: m.LocalText, PortoneText: m.PortOneText, RecordedAt: now}
	}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("business_date = ?", day(d)).Delete(&mismatchRow{}).Error; err != nil {
			return err
		}
		return createBatch(tx, rows)
	})
	if err != nil {
		return fmt.Errorf("replace mismatches of %s: %w", d, err)
	}
	return nil
}

// Mismatches streams the mismatches q selects (by business date), ordered
// by date, partner, payment, product and field.
func (s *Store) Mismatches(ctx context.Context, q Query, fn func(*Mismatch) error) error {
	q.BySettlementDate = false
	where, args := q.where("m")
	query := `SELECT m.id, m.business_date, m.partner_id, m.payment_id, m.intent_id, m.transfer_id, m.product_id, m.reason, m.field,
		m.local_value, m.portone_value, m.diff, m.local_text, m.portone_text, m.recorded_at
	FROM mismatches m WHERE ` + where + ` ORDER BY m.business_date, m.partner_id, m.payment_id, m.product_id, m.field, m.id`
	var m Mismatch
	return s.stream(ctx, "mismatches", query, args, func(rows *sql.Rows) error {
		m = Mismatch{}
		var d day
		var rec instant
		if err := rows.Scan(&m.ID, &d, &m.PartnerID, &m.PaymentID, &m.IntentID, &m.TransferID, &m.ProductID, (*string)(&m.Reason), &m.Field,
			(*int64)(&m.Local), (*int64)(&m.PortOne), (*int64)(&m.Diff), &m.LocalText, &m.PortOneText, &rec); err != nil {
			return fmt.Errorf("mismatches: %w", err)
		}
		m.BusinessDate, m.RecordedAt = d.date(), rec.Time
		return fn(&m)
	})
}

// RejectedQuery selects rejected records by the time they were received
// (zero: unbounded) and source ("" all).
type RejectedQuery struct {
	Since, Until time.Time
	Source       Source
}

// RejectedRecords streams rejected records in the order they were received.
func (s *Store) RejectedRecords(ctx context.Context, q RejectedQuery, fn func(*Rejected) error) error {
	conds, args := []string{"1 = 1"}, []any{}
	if !q.Since.IsZero() {
		conds, args = append(conds, "received_at >= ?"), append(args, at(q.Since))
	}
	if !q.Until.IsZero() {
		conds, args = append(conds, "received_at < ?"), append(args, at(q.Until))
	}
	if q.Source != "" {
		conds, args = append(conds, "source = ?"), append(args, string(q.Source))
	}
	query := `SELECT id, source, file, line, partner_id, record_key, payload, reason, field, error_type, received_at
	FROM rejected_records WHERE ` + strings.Join(conds, " AND ") + ` ORDER BY received_at, id`
	var r Rejected
	return s.stream(ctx, "rejected records", query, args, func(rows *sql.Rows) error {
		r = Rejected{}
		var src, payload string
		var rec instant
		if err := rows.Scan(&r.ID, &src, &r.File, &r.Line, &r.PartnerID, &r.RecordKey, &payload, &r.Reason, &r.Field, &r.ErrorType, &rec); err != nil {
			return fmt.Errorf("rejected records: %w", err)
		}
		r.Source, r.Payload, r.ReceivedAt = Source(src), []byte(payload), rec.Time
		return fn(&r)
	})
}

// StatusChange is one entry of a transfer's status history.
type StatusChange struct {
	TransferID settlement.TransferID
	IntentID   settlement.TransferID
	PartnerID  settlement.PartnerID
	From       settlement.TransferStatus // "" for the first status seen
	To         settlement.TransferStatus
	Source     string // posted, adopted, sync, …
	ObservedAt time.Time
}

// StatusHistory streams the status changes of the transfers of the
// settlements q selects, by transfer and time.
func (s *Store) StatusHistory(ctx context.Context, q Query, fn func(*StatusChange) error) error {
	where, args := q.where("s")
	query := `SELECT h.transfer_id, h.intent_id, h.partner_id, h.from_status, h.to_status, h.source, h.observed_at
	FROM transfer_status_history h
	JOIN transfer_intents i ON i.portone_transfer_id = h.transfer_id
	JOIN settlements s ON s.partner_id = i.partner_id AND s.payment_id = i.payment_id AND s.kind = i.kind AND s.cancellation_id = i.cancellation_id
	WHERE ` + where + ` ORDER BY h.transfer_id, h.observed_at, h.id`
	var c StatusChange
	return s.stream(ctx, "status history", query, args, func(rows *sql.Rows) error {
		c = StatusChange{}
		var from, to string
		var obs instant
		if err := rows.Scan(&c.TransferID, &c.IntentID, &c.PartnerID, &from, &to, &c.Source, &obs); err != nil {
			return fmt.Errorf("status history: %w", err)
		}
		c.From, c.To, c.ObservedAt = settlement.TransferStatus(from), settlement.TransferStatus(to), obs.Time
		return fn(&c)
	})
}

// OrderView is everything known about one order: the record, its
// cancellations, the computed settlements, the intents, PortOne's answers
// and their status history (GET /v1/orders/{paymentId}).
type OrderView struct {
	Order         OrderRecord
	Cancellations []CancellationRecord
	Settlements   []SettlementRecord
	Intents       []Intent
	Transfers     []PortOneTransfer
	History       []StatusChange
}

// OrderView returns the view of the order (partner, payment), or a
// *NotFoundError when the order is unknown.
func (s *Store) OrderView(ctx context.Context, partnerID settlement.PartnerID, paymentID settlement.PaymentID) (OrderView, error) {
	o, err := s.Order(ctx, partnerID, paymentID)
	if err != nil {
		return OrderView{}, err
	}
	v := OrderView{Order: o}
	wrap := func(err error) error { return fmt.Errorf("order view %s: %w", o.Key(), err) }
	if v.Cancellations, err = s.CancellationsOfOrder(ctx, partnerID, paymentID); err != nil {
		return OrderView{}, err
	}
	if v.Settlements, err = s.SettlementsOfPayment(ctx, partnerID, paymentID); err != nil {
		return OrderView{}, err
	}
	var irows []intentRow
	if err := s.w(ctx).Where("partner_id = ? AND payment_id = ?", partnerID, paymentID).Order("id").Find(&irows).Error; err != nil {
		return OrderView{}, wrap(err)
	}
	var tids []settlement.TransferID
	for i := range irows {
		v.Intents = append(v.Intents, irows[i].intent())
		if irows[i].PortOneTransferID != "" {
			tids = append(tids, irows[i].PortOneTransferID)
		}
	}
	if len(tids) > 0 {
		if v.Transfers, err = s.loadPortOne(s.w(ctx), s.w(ctx).Where("transfer_id IN ?", tids).Order("id")); err != nil {
			return OrderView{}, wrap(err)
		}
		var hs []statusHistoryRow
		if err := s.w(ctx).Where("transfer_id IN ?", tids).Order("transfer_id, observed_at, id").Find(&hs).Error; err != nil {
			return OrderView{}, wrap(err)
		}
		for _, h := range hs {
			v.History = append(v.History, StatusChange{TransferID: h.TransferID, IntentID: h.IntentID, PartnerID: h.PartnerID,
				From: settlement.TransferStatus(h.FromStatus), To: settlement.TransferStatus(h.ToStatus), Source: h.Source, ObservedAt: h.ObservedAt.Time})
		}
	}
	return v, nil
}

// OrderViewsByPayment returns the views of every partner's order with
// paymentId (one payment may settle to several partners).
func (s *Store) OrderViewsByPayment(ctx context.Context, paymentID settlement.PaymentID) ([]OrderView, error) {
	var partners []settlement.PartnerID
	if err := s.w(ctx).Model(&orderRow{}).Where("payment_id = ?", paymentID).Order("partner_id").Pluck("partner_id", &partners).Error; err != nil {
		return nil, fmt.Errorf("orders of payment %q: %w", paymentID, err)
	}
	out := make([]OrderView, 0, len(partners))
	for _, p := range partners {
		v, err := s.OrderView(ctx, p, paymentID)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// ReconcileItem is one settlement to compare with PortOne's answer.
// PortOne is nil when no answer has been recorded yet; its Raw is not
// loaded (nothing compares it).
type ReconcileItem struct {
	Settlement SettlementRecord
	Intent     Intent
	PortOne    *PortOneTransfer
}

// ReconcileItems calls fn for each settlement of business date d that has a
// posted or adopted intent, with PortOne's last answer, a page at a time.
func (s *Store) ReconcileItems(ctx context.Context, d settlement.Date, fn func(*ReconcileItem) error) error {
	// Neither the request we sent nor PortOne's raw answer takes part in
	// the comparison: at a million transfers they are gigabytes not read.
	q := s.w(ctx).Omit("request_json").Where("business_date = ? AND status IN ?", day(d), []string{string(IntentPosted), string(IntentAdopted)})
	load := func(irows []intentRow) ([]ReconcileItem, error) { return s.reconcileItems(ctx, irows) }
	return walk(ctx, fmt.Sprintf("reconcile items of %s", d), byID[intentRow](q), load, fn)
}

// reconcileItems joins a page of intents with their settlements and
// PortOne's last answers, leaving out the intents without a settlement.
func (s *Store) reconcileItems(ctx context.Context, irows []intentRow) ([]ReconcileItem, error) {
	var sids []int64
	var tids []settlement.TransferID
	for _, r := range irows {
		if r.SettlementRef != nil {
			sids = append(sids, *r.SettlementRef)
		}
		tids = append(tids, r.PortOneTransferID)
	}
	sets, err := s.loadSettlements(s.w(ctx), s.w(ctx).Where("id IN ?", sids))
	if err != nil {
		return nil, err
	}
	ts, err := s.loadPortOne(s.w(ctx), s.w(ctx).Omit("raw_json").Where("transfer_id IN ?", tids))
	if err != nil {
		return nil, err
	}
	setBy := map[int64]*SettlementRecord{}
	for i := range sets {
		setBy[sets[i].ID] = &sets[i]
	}
	tBy := map[settlement.TransferID]*PortOneTransfer{}
	for i := range ts {
		tBy[ts[i].TransferID] = &ts[i]
	}
	var items []ReconcileItem
	for _, r := range irows {
		if r.SettlementRef == nil || setBy[*r.SettlementRef] == nil {
			continue
		}
		items = append(items, ReconcileItem{Settlement: *setBy[*r.SettlementRef], Intent: r.intent(), PortOne: tBy[r.PortOneTransferID]})
	}
	return items, nil
}

// ReconcileCheck is one settlement of a business date with a posted or
// adopted intent, as ReconcileChecks streams it: who it is, where PortOne's
// last answer stands, and whether the answer and our settlement differ in
// any stored column.
type ReconcileCheck struct {
	IntentRef           int64 // the intent's row, for ReconcileItemsOf
	IntentID            settlement.TransferID
	IntentStatus        IntentStatus // posted or adopted
	PartnerID           settlement.PartnerID
	PaymentID           settlement.PaymentID
	TransferID          settlement.TransferID // PortOne's transfer id of the intent
	Answered            bool                  // PortOne's answer is recorded
	Status              settlement.TransferStatus
	SettlementStartDate settlement.Date // PortOne's
	SettlementDate      settlement.Date // PortOne's
	// Differs is false when our settlement and PortOne's answer agree in
	// every column settlement.Compare reads (dates, the amount block, the
	// user-defined formula results in the detail, the number of lines and
	// each line's product, quantity, amounts and detail, line by line): then Compare finds nothing, and the pair need not be
	// loaded. True means "compare them" (they may still agree, say lines
	// in another order).
	Differs bool
}

// reconcileDiffers is the SQL condition that a settlement s and PortOne's
// answer p differ in a column settlement.Compare reads (see
// ReconcileCheck.Differs).
func reconcileDiffers() string {
	var b strings.Builder
	// detail_json holds the user-defined formula results Compare reads
	// (with the discounts and fees it does not): a differing detail only
	// means the pair is loaded and compared.
	b.WriteString("s.settlement_date <> p.settlement_date OR s.settlement_start_date <> p.settlement_start_date OR s.detail_json <> p.detail_json")
	for _, c := range amountCols {
		fmt.Fprintf(&b, " OR s.%[1]s <> p.%[1]s", c)
	}
	b.WriteString(" OR (SELECT COUNT(*) FROM settlement_lines WHERE settlement_ref = s.id) <> (SELECT COUNT(*) FROM portone_transfer_lines WHERE portone_transfer_ref = p.id)")
	b.WriteString(" OR EXISTS (SELECT 1 FROM settlement_lines sl LEFT JOIN portone_transfer_lines pl ON pl.portone_transfer_ref = p.id AND pl.line_no = sl.line_no" +
		" WHERE sl.settlement_ref = s.id AND (pl.id IS NULL OR sl.product_id <> pl.product_id OR sl.quantity <> pl.quantity OR sl.detail_json <> pl.detail_json")
	for _, c := range amountCols {
		fmt.Fprintf(&b, " OR sl.%[1]s <> pl.%[1]s", c)
	}
	b.WriteString("))")
	return b.String()
}

// ReconcileChecks calls fn for each settlement of business date d that has
// a posted or adopted intent, in intent order, from one query that compares
// our settlement with PortOne's recorded answer column by column in the
// database: a night of a million transfers is read as a million short rows
// instead of a million settlements and answers with their lines, decoded
// and compared in Go. ReconcileItemsOf loads the pairs that differ.
//
// A pair whose rows both carry a compare digest is compared by it alone
// (settlement.Transfer.CompareDigest: equal digests, nothing for Compare
// to find), without reading a line: at a million transfers the line
// comparisons were half of the query. Rows stored before the digest was
// kept are compared column by column (reconcileDiffers).
func (s *Store) ReconcileChecks(ctx context.Context, d settlement.Date, fn func(*ReconcileCheck) error) error {
	q := `SELECT i.id, i.intent_id, i.status, i.partner_id, i.payment_id, i.portone_transfer_id,
	CASE WHEN p.id IS NULL THEN 0 ELSE 1 END, COALESCE(p.status, ''), COALESCE(p.settlement_start_date, ''), COALESCE(p.settlement_date, ''),
	CASE WHEN p.id IS NULL THEN 1
		WHEN s.compare_digest <> '' AND p.compare_digest <> '' THEN CASE WHEN s.compare_digest = p.compare_digest THEN 0 ELSE 1 END
		WHEN ` + reconcileDiffers() + ` THEN 1 ELSE 0 END
FROM transfer_intents i
JOIN settlements s ON s.id = i.settlement_ref
LEFT JOIN portone_transfers p ON ` + s.answerOfIntent() + `
WHERE i.business_date = ? AND i.status IN ('posted', 'adopted')
ORDER BY i.id`
	what := fmt.Sprintf("reconcile checks of %s", d)
	stream := s.stream
	if s.dialect == Postgres {
		// Post has just rewritten the intents and filled PortOne's
		// answers: their statistics are brought up to date first. The
		// hash joins sort 110k rows at 100k orders; at the default 4 MB of
		// work_mem that sort spilled to disk (an external merge of 22 MB).
		if err := s.analyzeStale(ctx, "transfer_intents", "settlements", "portone_transfers"); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		q = strings.Replace(q, "?", "$1", 1)
		stream = func(ctx context.Context, what, query string, args []any, scan func(*sql.Rows) error) error {
			return s.pgStream(ctx, what, []string{"SET LOCAL work_mem = '64MB'"}, query, args, scan)
		}
	}
	return stream(ctx, what, q, []any{day(d)}, func(rows *sql.Rows) error {
		var c ReconcileCheck
		var answered, differs int64
		var status, istatus string
		var start, date day
		if err := rows.Scan(&c.IntentRef, &c.IntentID, &istatus, &c.PartnerID, &c.PaymentID, &c.TransferID, &answered, &status, &start, &date, &differs); err != nil {
			return err
		}
		c.IntentStatus = IntentStatus(istatus)
		c.Answered, c.Status, c.SettlementStartDate, c.SettlementDate, c.Differs = answered == 1, settlement.TransferStatus(status), start.date(), date.date(), differs == 1
		return fn(&c)
	})
}

// answerOfIntent is the join condition of PortOne's answer p for intent i:
// the answer whose transfer id is the intent's. On SQLite the answer is
// found through the index of the answers' intents (portone_transfers_intent)
// first, and through the transfer id only when that finds none (an answer
// recorded before its intent was completed, or for another intent): the
// intents are read in id order, and their answers, recorded in claim
// order, lie in that order in the intent index, while the transfer ids are
// random. At a million transfers the lookups by transfer id took the
// checks from 7 s to 23 s, most of it reading pages of a unique index
// through a cache that holds a fraction of it. The transfer id is unique,
// so both find the same answer or none. PostgreSQL hash-joins on the
// transfer id.
func (s *Store) answerOfIntent() string {
	if s.dialect != SQLite {
		return "p.transfer_id = i.portone_transfer_id"
	}
	return `p.id = COALESCE(
		(SELECT x.id FROM portone_transfers x INDEXED BY portone_transfers_intent WHERE x.intent_ref = i.id AND x.transfer_id = i.portone_transfer_id),
		(SELECT y.id FROM portone_transfers y WHERE y.transfer_id = i.portone_transfer_id))`
}

// ReconcileItemsOf calls fn for the reconcile item of each intent row of
// refs (from ReconcileChecks), a page at a time.
func (s *Store) ReconcileItemsOf(ctx context.Context, refs []int64, fn func(*ReconcileItem) error) error {
	for c := 0; c < len(refs); c += pageSize {
		var irows []intentRow
		if err := s.w(ctx).Omit("request_json").Where("id IN ?", refs[c:min(c+pageSize, len(refs))]).Order("id").Find(&irows).Error; err != nil {
			return fmt.Errorf("reconcile items: %w", err)
		}
		items, err := s.reconcileItems(ctx, irows)
		if err != nil {
			return fmt.Errorf("reconcile items: %w", err)
		}
		for i := range items {
			if err := fn(&items[i]); err != nil {
				return err
			}
		}
	}
	return nil
}
