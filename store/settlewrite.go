package store

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"gorm.io/gorm"

	"github.com/settle-dev/settle/settlement"
)

// A settle run is two goroutines: one reads a page of orders, settles it
// and prepares it (PrepareSettlements), the other writes the page before
// through the single writer connection (SavePreparedSettlements). The
// writer is the slower of the two, so the JSON text of a settlement's
// rows (each block's detail, the policy versions), which the payload
// hashed for Duplicate vs Conflict says too, is made while preparing,
// once per record. (Boxing the rows' values for database/sql while
// preparing too was measured: no faster, and +220 MB peak RSS at 100k
// orders, the boxed values of three batches in flight.)

// rowText is the JSON text a settlement's rows say, made once per record
// by PrepareSettlements and read by settlementPayload and the inserts.
type rowText struct {
	detail   string   // the settlement's detail_json
	lines    []string // each line's detail_json
	policies string   // policy_versions
}

// textOf makes r's rowText.
func textOf(r *SettlementRecord) *rowText {
	t := &r.Transfer
	rt := &rowText{detail: detailText(t.Discounts, t.AdditionalFees, t.UserDefined), lines: make([]string, len(t.Lines)),
		policies: encodePolicyVersions(r.PolicyVersions)}
	for i := range t.Lines {
		l := &t.Lines[i]
		rt.lines[i] = detailText(l.Discounts, l.AdditionalFees, l.UserDefined)
	}
	return rt
}

// detailOf, lineDetailOf and policiesOf are r's texts: made beforehand
// when r was prepared, else now.
func detailOf(r *SettlementRecord) string {
	if r.text != nil {
		return r.text.detail
	}
	t := &r.Transfer
	return detailText(t.Discounts, t.AdditionalFees, t.UserDefined)
}

func lineDetailOf(r *SettlementRecord, i int) string {
	if r.text != nil {
		return r.text.lines[i]
	}
	l := &r.Transfer.Lines[i]
	return detailText(l.Discounts, l.AdditionalFees, l.UserDefined)
}

func policiesOf(r *SettlementRecord) string {
	if r.text != nil {
		return r.text.policies
	}
	return encodePolicyVersions(r.PolicyVersions)
}

// detailText is encodeDetail's text, the same bytes (FuzzDetailText),
// written by appending rather than by encoding/json's reflection: it is
// made for every block a settle run writes.
func detailText(ds []settlement.DiscountResult, fs []settlement.FeeResult, user map[string]settlement.Won) string {
	if len(ds) == 0 && len(fs) == 0 && len(user) == 0 {
		return ""
	}
	b := make([]byte, 0, 32+len(ds)*112+len(fs)*56+len(user)*32)
	b = append(b, '{')
	if len(ds) > 0 {
		b = append(b, `"discounts":[`...)
		for i, x := range ds {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"sharePolicyId":`...)
			b = appendJSONString(b, x.SharePolicyID)
			b = appendJSONInt(b, `,"amount":`, int64(x.Amount))
			b = appendJSONInt(b, `,"taxFreeAmount":`, int64(x.TaxFree))
			b = appendJSONInt(b, `,"shareAmount":`, int64(x.ShareAmount))
			b = appendJSONInt(b, `,"shareTaxFreeAmount":`, int64(x.ShareTaxFree))
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if len(fs) > 0 {
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = append(b, `"additionalFees":[`...)
		for i, x := range fs {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"policyId":`...)
			b = appendJSONString(b, x.PolicyID)
			b = appendJSONInt(b, `,"amount":`, int64(x.Amount))
			b = appendJSONInt(b, `,"vat":`, int64(x.VAT))
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if len(user) > 0 {
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = append(b, `"userDefinedFormulas":{`...)
		keys := make([]string, 0, len(user))
		for k := range user {
			keys = append(keys, k)
		}
		slices.Sort(keys) // encoding/json sorts a map's keys as strings
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k)
			b = appendJSONInt(b, ":", int64(user[k]))
		}
		b = append(b, '}')
	}
	return string(append(b, '}'))
}

func appendJSONInt(b []byte, prefix string, v int64) []byte {
	return strconv.AppendInt(append(b, prefix...), v, 10)
}

// appendJSONString appends s as encoding/json writes it: copied when it
// is printable ASCII that encoding/json does not escape, else encoded by
// encoding/json (HTML characters, control characters, non-ASCII text).
func appendJSONString(b []byte, s string) []byte {
	for i := range len(s) {
		if c := s[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always encodes
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// settlementColsOf is colsOf of r's transfer with r's detail text.
func settlementColsOf(r *SettlementRecord) transferCols {
	t := &r.Transfer
	return transferCols{PartnerID: t.PartnerID, PaymentID: t.PaymentID, Kind: string(t.Kind), CancellationID: t.CancellationID,
		ContractID: t.ContractID, SettlementStartDate: day(t.SettlementStartDate), SettlementDate: day(t.SettlementDate),
		Amounts: t.Amounts, DetailJSON: detailOf(r), CompareDigest: t.CompareDigest()}
}

// settlementLinesOf appends the line blocks of r, stored as settlement
// row ref, to dst, with their detail texts.
func settlementLinesOf(ref int64, r *SettlementRecord, dst []lineRef) []lineRef {
	n := len(dst)
	dst = linesOf(ref, &r.Transfer, dst)
	for j := range dst[n:] {
		dst[n+j].detail = lineDetailOf(r, j)
	}
	return dst
}

// orderEntry is an order's key in unsettled_orders.
type orderEntry struct {
	date settlement.Date
	id   int64
}

// ErrSettleRaced: records of a batch being settled were voided, or
// settled by another run, after the batch was read. Nothing of the batch
// is stored; the next run settles what is left.
var ErrSettleRaced = errors.New("records changed while they were being settled")

// settleOrderEntries deletes the entries of the orders just settled from
// unsettled_orders by key (no read of the orders' rows), a statement per
// business date and lookupChunk orders, and fails unless every one was
// there: an order whose entry is gone was voided (or settled by another
// run) after its page was read, and its settlement must not be stored.
func settleOrderEntries(tx *gorm.DB, entries []orderEntry) error {
	byDate := map[settlement.Date][]int64{}
	var dates []settlement.Date
	for _, e := range entries {
		if _, ok := byDate[e.date]; !ok {
			dates = append(dates, e.date)
		}
		byDate[e.date] = append(byDate[e.date], e.id)
	}
	for _, d := range dates {
		err := settleChecked(tx, "orders of "+d.String(), byDate[d], func(ids []int64) *gorm.DB {
			return tx.Exec("DELETE FROM unsettled_orders WHERE business_date = ? AND id IN ?", d.String(), ids)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// settleOrdersChecked is settleOrderEntries for orders whose business
// date is not known (read from their rows).
func settleOrdersChecked(tx *gorm.DB, ids []int64) error {
	return settleChecked(tx, "orders", ids, func(ids []int64) *gorm.DB {
		return tx.Exec("DELETE FROM unsettled_orders WHERE (business_date, id) IN (SELECT business_date, id FROM orders WHERE id IN ?)", ids)
	})
}

// settleCancellations sets the settled flag of the cancellation rows ids
// just settled and fails unless every one was there and unsettled, as
// settleOrderEntries does for orders.
func settleCancellations(tx *gorm.DB, ids []int64) error {
	return settleChecked(tx, "cancellations", ids, func(ids []int64) *gorm.DB {
		return tx.Exec("UPDATE cancellations SET settled = 1 WHERE settled = 0 AND id IN ?", ids)
	})
}

// settleChecked runs settle for ids, lookupChunk at a time, and fails
// with ErrSettleRaced unless each statement changed a row per id.
func settleChecked(tx *gorm.DB, what string, ids []int64, settle func([]int64) *gorm.DB) error {
	for i := 0; i < len(ids); i += lookupChunk {
		chunk := ids[i:min(i+lookupChunk, len(ids))]
		res := settle(chunk)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != int64(len(chunk)) {
			return fmt.Errorf("%w: %d of %d %s in the batch no longer wait to be settled (voided or settled meanwhile); nothing of the batch is stored, run settle again",
				ErrSettleRaced, int64(len(chunk))-res.RowsAffected, len(chunk), what)
		}
	}
	return nil
}

// settleTx runs fn in one write transaction as tx does, on SQLite with
// the writer's foreign-key checks off for the transaction. A settle batch
// checks what they would (settleSources: every order and cancellation it
// settles was still waiting, so still there; its lines and intents point
// at settlements it inserted), and the checks of settlements.order_ref
// read every order's row into the writer's cache a second time. The
// setting is the connection's, and SQLite changes it only outside a
// transaction: it is set on the writer before the transaction and set
// back after it; a connection it cannot be set back on is closed.
func (s *Store) settleTx(ctx context.Context, fn func(tx *gorm.DB) error) (err error) {
	if s.dialect != SQLite {
		return s.tx(ctx, fn)
	}
	pool, err := s.db.DB()
	if err != nil {
		return err
	}
	conn, err := pool.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PRAGMA foreign_keys = OFF"); err != nil {
		return err
	}
	defer func() {
		if _, on := conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA foreign_keys = ON"); on != nil {
			_ = conn.Raw(func(any) error { return driver.ErrBadConn }) // never hand it out again
			err = errors.Join(err, fmt.Errorf("foreign keys back on: %w", on))
		}
	}()
	db := s.w(ctx).Session(&gorm.Session{NewDB: true})
	db.Statement.ConnPool = conn
	return db.Transaction(fn)
}

// insertVerb is how insertSQL begins for table. A multi-row INSERT on
// SQLite keeps a statement journal of every page it changes (a copy of
// the page before), so that a row failing a constraint undoes its
// statement alone and the transaction goes on; OR FAIL keeps the rows
// before the failing one instead, and needs no journal as long as no
// foreign key is checked (a settle batch's transaction, settleTx). The
// settle run's tables are written only in transactions that end at the
// first error, rolled back whole, so no statement's partial rows are ever
// kept either way (TestSettleBatchKeyTakenMidStatement). Without the
// journals a 100k settle took 15.3–16.2 s of CPU against 16.6–17.3 s
// (alternating runs, load 3–4).
func (s *Store) insertVerb(table string) string {
	if s.dialect == SQLite && settleTables[table] {
		return "INSERT OR FAIL INTO "
	}
	return "INSERT INTO "
}

// settleTables are the tables a settle batch inserts into through
// bulkInsert.
var settleTables = map[string]bool{"settlements": true, ourTransfers.lines: true, "transfer_intents": true}
