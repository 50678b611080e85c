package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/settle-dev/settle/settlement"
)

// Nothing accepted is stranded. An order is in unsettled_orders from its
// insert (a trigger, migration 16) until the transaction that stores its
// settlement deletes it (settleOrders); a cancellation has a settled flag,
// set in that transaction (setSettled), and the unsettled ones are found
// through a partial index on the flag (migration 5). A settle run walks
// the records due by its date, of that date or any earlier one, however
// old, so a record that arrives after its own date's run is settled by the
// next run, with its own settlementStartDate. What is not settled, and
// why, is WaitingRecords.

// dueOf is the condition of the unsettled records (table t, key column
// key; their business date in column date) a settle run of business date
// ? (twice) takes: of that date or before, and, when of an earlier date,
// not refused at settle time (a record the rules refused is kept in
// rejected records and retried only by a forced rerun of its own date, not
// every night).
const dueOf = `%[3]s <= ?
	AND (%[3]s = ? OR NOT EXISTS (SELECT 1 FROM rejected_records rr
		WHERE rr.partner_id = %[1]s.partner_id AND rr.record_key = %[1]s.%[2]s AND rr.source = 'pipeline'))`

// unsettledDue is dueOf for the unsettled records of table t (a
// cancellation's settled flag). "settled = 0" is literal so that the
// partial index applies.
const unsettledDue = `%[1]s.settled = 0 AND ` + dueOf

// orderSettled is the condition that order row o is settled.
const orderSettled = "NOT EXISTS (SELECT 1 FROM unsettled_orders uo WHERE uo.business_date = o.business_date AND uo.id = o.id)"

// UnsettledOrders calls fn for each order a settle run of business date d
// takes, by business date and arrival: no settlement yet, of date d or an earlier one, and,
// when earlier, not refused at settle time. fn may write to the store.
func (s *Store) UnsettledOrders(ctx context.Context, d settlement.Date, fn func(*OrderRecord) error) error {
	return s.UnsettledOrderPages(ctx, d, pageSize, func(recs []OrderRecord) error {
		for i := range recs {
			if err := fn(&recs[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// UnsettledOrderPages is UnsettledOrders a page of up to size orders at a
// time, read in (business date, id) order through the index of
// unsettled_orders, from where the last page ended (no sort, and no
// rereading of what was settled). Pages are read through the read pool, so
// that the next page is read while the last one is being saved; a page
// starts after the last one's key whatever has been saved since.
//
// A page is one raw query whose columns are scanned straight into the
// rows (no ORM reflection per row), on a context the driver does not
// watch (see quiet); ctx is checked between pages.
func (s *Store) UnsettledOrderPages(ctx context.Context, d settlement.Date, size int, fn func([]OrderRecord) error) error {
	from := " FROM unsettled_orders u JOIN orders ON orders.id = u.id WHERE " + fmt.Sprintf(dueOf, "orders", "payment_id", "u.business_date")
	first := "SELECT " + orderPageCols + from + " ORDER BY u.business_date, u.id LIMIT ?"
	next := "SELECT " + orderPageCols + from + " AND (u.business_date, u.id) > (?, ?) ORDER BY u.business_date, u.id LIMIT ?"
	var rows []orderRow
	var last *orderRow
	for {
		q, args := first, []any{day(d), day(d), size}
		if last != nil {
			q, args = next, []any{day(d), day(d), last.BusinessDate, last.ID, size}
		}
		var err error
		if rows, err = s.orderPage(quiet(ctx), q, args, rows[:0]); err != nil {
			return fmt.Errorf("walk orders: %w", err)
		}
		if len(rows) == 0 {
			return nil
		}
		recs, err := loadOrders(nil, rows)
		if err != nil {
			return fmt.Errorf("walk orders: %w", err)
		}
		if err := fn(recs); err != nil {
			return err
		}
		l := rows[len(rows)-1]
		last = &l
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// orderPageCols are the columns of orderRow that orderPage scans, in
// its order (of orders joined with unsettled_orders: settled is 0).
const orderPageCols = `orders.id, partner_id, payment_id, contract_id, contract_version, has_lines, order_amount, tax_free,
	settlement_start_date, settlement_date, paid_at, orders.business_date, request_json, request_hash, source, received_at,
	detail, 0, generation`

// orderPage appends the orders of query q to dst.
func (s *Store) orderPage(ctx context.Context, q string, args []any, dst []orderRow) ([]orderRow, error) {
	rows, err := s.r(ctx).Raw(q, args...).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		dst = append(dst, orderRow{})
		r := &dst[len(dst)-1]
		if err := rows.Scan(&r.ID, &r.PartnerID, &r.PaymentID, &r.ContractID, &r.ContractVersion, &r.HasLines, &r.OrderAmount, &r.TaxFree,
			&r.SettlementStartDate, &r.SettlementDate, &r.PaidAt, &r.BusinessDate, &r.RequestJSON, &r.RequestHash, &r.Source, &r.ReceivedAt,
			&r.Detail, &r.Settled, &r.Generation); err != nil {
			return nil, err
		}
	}
	return dst, rows.Err()
}

// UnsettledCancellations calls fn, in (cancelledAt, id) order, for each
// cancellation a settle run of business date d takes: as UnsettledOrders,
// and whose order is settled (a cancel is computed on its order's
// settlement; until then it waits, see WaitingRecords).
func (s *Store) UnsettledCancellations(ctx context.Context, d settlement.Date, fn func(*CancellationRecord) error) error {
	return s.UnsettledCancellationPages(ctx, d, pageSize, func(recs []CancellationRecord) error {
		for i := range recs {
			if err := fn(&recs[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// UnsettledCancellationPages is UnsettledCancellations a page of up to
// size cancellations at a time, through the partial index of the unsettled
// cancellations (business date, cancelledAt, id; no sort): the business
// date is cancelledAt's, so that is the order they happened in.
func (s *Store) UnsettledCancellationPages(ctx context.Context, d settlement.Date, size int, fn func([]CancellationRecord) error) error {
	where := fmt.Sprintf(unsettledDue, "cancellations", "cancellation_id", "cancellations.business_date") +
		" AND EXISTS (SELECT 1 FROM orders o WHERE o.id = cancellations.order_ref AND " + orderSettled + ")"
	return s.walkCancellationPages(ctx, size, where, []any{day(d), day(d)}, fn)
}

// settleOrders deletes the orders ids from unsettled_orders, in tx:
// called with the orders of the settlements just inserted, in their
// transaction. The entries are found by their key, the business date read
// from the order's row.
func settleOrders(tx *gorm.DB, ids []int64) error {
	for i := 0; i < len(ids); i += lookupChunk {
		if err := tx.Exec("DELETE FROM unsettled_orders WHERE (business_date, id) IN (SELECT business_date, id FROM orders WHERE id IN ?)",
			ids[i:min(i+lookupChunk, len(ids))]).Error; err != nil {
			return err
		}
	}
	return nil
}

// setSettled sets the settled flag of cancellation rows ids, in tx:
// called with the records of the settlements just inserted, in their
// transaction.
func setSettled(tx *gorm.DB, table string, ids []int64) error {
	for i := 0; i < len(ids); i += lookupChunk {
		if err := tx.Exec("UPDATE "+table+" SET settled = 1 WHERE settled = 0 AND id IN ?", ids[i:min(i+lookupChunk, len(ids))]).Error; err != nil {
			return err
		}
	}
	return nil
}

// markSettled sets the settled flag of the records settled by the recs
// that were already stored (outcome Duplicate or Conflict: a settlement is
// stored for the key), which insertSettlementRecords did not see; for a
// usual batch there are none and it costs nothing.
func (s *Store) markSettled(tx *gorm.DB, recs []SettlementRecord, outs []Outcome) error {
	var okeys, ckeys []rowKey
	for i := range recs {
		if outs[i].Kind == Created {
			continue
		}
		t := &recs[i].Transfer
		if t.Kind == settlement.KindOrderCancel {
			ckeys = append(ckeys, rowKey{string(t.PartnerID), string(t.CancellationID)})
		} else {
			okeys = append(okeys, rowKey{string(t.PartnerID), string(t.PaymentID)})
		}
	}
	for _, m := range []struct {
		table string
		key   []string
		keys  []rowKey
	}{
		{"orders", []string{"partner_id", "payment_id"}, okeys},
		{"cancellations", []string{"partner_id", "cancellation_id"}, ckeys},
	} {
		if len(m.keys) == 0 {
			continue
		}
		found, err := lookupKeys(tx, m.table, m.key, "request_hash", m.keys)
		if err != nil {
			return err
		}
		ids := make([]int64, 0, len(found))
		for _, f := range found {
			ids = append(ids, f.id)
		}
		settle := func(tx *gorm.DB, ids []int64) error { return setSettled(tx, m.table, ids) }
		if m.table == "orders" {
			settle = settleOrders
		}
		if err := settle(tx, ids); err != nil {
			return err
		}
	}
	return nil
}

// WaitReason says why an accepted record has no settlement yet.
type WaitReason string

// The reasons a record waits, in the order WaitingRecords decides them.
const (
	// WaitRejected: the settlement rules refused it at settle time (the
	// reason is in rejected records and in Waiting.Detail); a forced rerun
	// of its business date retries it.
	WaitRejected WaitReason = "rejected"
	// WaitDateNotRun: its business date's settle run has not come yet.
	WaitDateNotRun WaitReason = "date_not_run"
	// WaitOrder: a cancellation whose order is not stored, or not settled.
	WaitOrder WaitReason = "order_not_settled"
	// WaitNextRun: it arrived after its date's run; the next run settles it.
	WaitNextRun WaitReason = "next_run"
)

// Waiting is one accepted record that has no settlement, and why.
type Waiting struct {
	Kind           settlement.Kind // ORDER or ORDER_CANCEL
	PartnerID      settlement.PartnerID
	PaymentID      settlement.PaymentID
	CancellationID settlement.CancellationID // ORDER_CANCEL only
	BusinessDate   settlement.Date
	ReceivedAt     time.Time
	Reason         WaitReason
	Detail         string // the rules' reason, for WaitRejected
}

// WaitingRecords calls fn for each order and cancellation that has no
// settlement, with the reason, orders first, each by business date and
// arrival. lastRun is the business date of the last settle run (zero:
// none): a record of a later date waits for its date's run. The walk reads
// only the unsettled records (a partial index), never the whole tables.
func (s *Store) WaitingRecords(ctx context.Context, lastRun settlement.Date, fn func(*Waiting) error) error {
	reason := func(w *Waiting, rejected sql.NullString, orderSettled bool) {
		switch {
		case rejected.Valid:
			w.Reason, w.Detail = WaitRejected, rejected.String
		case lastRun.IsZero() || w.BusinessDate.After(lastRun):
			w.Reason = WaitDateNotRun
		case !orderSettled:
			w.Reason = WaitOrder
		default:
			w.Reason = WaitNextRun
		}
	}
	rejectedOf := func(t, key string) string {
		return fmt.Sprintf(`(SELECT rr.reason FROM rejected_records rr WHERE rr.partner_id = %[1]s.partner_id
			AND rr.record_key = %[1]s.%[2]s AND rr.source = 'pipeline' ORDER BY rr.id DESC LIMIT 1)`, t, key)
	}
	var w Waiting
	err := s.stream(ctx, "waiting orders", `SELECT partner_id, payment_id, orders.business_date, received_at, `+rejectedOf("orders", "payment_id")+`
		FROM unsettled_orders u JOIN orders ON orders.id = u.id ORDER BY u.business_date, u.id`, nil, func(rows *sql.Rows) error {
		w = Waiting{Kind: settlement.KindOrder}
		var d day
		var rec instant
		var rejected sql.NullString
		if err := rows.Scan(&w.PartnerID, &w.PaymentID, &d, &rec, &rejected); err != nil {
			return fmt.Errorf("waiting orders: %w", err)
		}
		w.BusinessDate, w.ReceivedAt = d.date(), rec.Time
		reason(&w, rejected, true)
		return fn(&w)
	})
	if err != nil {
		return err
	}
	return s.stream(ctx, "waiting cancellations", `SELECT partner_id, payment_id, cancellation_id, business_date, received_at, `+
		rejectedOf("cancellations", "cancellation_id")+`, COALESCE((SELECT 1 FROM orders o WHERE o.id = cancellations.order_ref AND `+orderSettled+`), 0)
		FROM cancellations WHERE settled = 0 ORDER BY business_date, cancelled_at, id`, nil, func(rows *sql.Rows) error {
		w = Waiting{Kind: settlement.KindOrderCancel}
		var d day
		var rec instant
		var rejected sql.NullString
		var orderSettled int64
		if err := rows.Scan(&w.PartnerID, &w.PaymentID, &w.CancellationID, &d, &rec, &rejected, &orderSettled); err != nil {
			return fmt.Errorf("waiting cancellations: %w", err)
		}
		w.BusinessDate, w.ReceivedAt = d.date(), rec.Time
		reason(&w, rejected, orderSettled == 1)
		return fn(&w)
	})
}

// WaitCounts counts waiting records by kind and reason.
type WaitCounts map[settlement.Kind]map[WaitReason]int64

// CountWaiting counts what WaitingRecords lists.
func (s *Store) CountWaiting(ctx context.Context, lastRun settlement.Date) (WaitCounts, error) {
	c := WaitCounts{}
	err := s.WaitingRecords(ctx, lastRun, func(w *Waiting) error {
		if c[w.Kind] == nil {
			c[w.Kind] = map[WaitReason]int64{}
		}
		c[w.Kind][w.Reason]++
		return nil
	})
	return c, err
}
