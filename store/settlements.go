package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/settle-dev/settle/settlement"
)

// SettlementRecord is one computed transfer (an order's or a
// cancellation's) with the terms that produced it. Transfer carries the
// block, the line blocks, the order-level discounts and fees, and the dates.
type SettlementRecord struct {
	Transfer        settlement.Transfer
	BusinessDate    settlement.Date
	ContractVersion int            // version of Transfer.ContractID applied
	PolicyVersions  map[string]int // policy id → version applied (discount-share and additional-fee)
	// RulesVersion is the settlement.Rules version that computed it (the
	// merchant's formulas and variants; "" for settlements computed before
	// the rules were recorded). It is not part of the payload: the same
	// figures from other rules are the same settlement.
	RulesVersion string

	// IntentRequest, when set, is the PortOne request body (JSON) to post
	// for this transfer; SaveSettlement creates its transfer intent, with
	// client id IntentID(partner, payment, kind, cancellation,
	// IntentGeneration), in the same transaction.
	IntentRequest []byte
	// IntentGeneration is the generation of the record it settles (see
	// IntentID): the request's id was made with it.
	IntentGeneration int

	// OrderID and CancellationRecordID, when set, are the stored order and
	// cancellation this settles (their row ids, as read from the store): a
	// settle run knows them and spares the store looking them up by key.
	OrderID              int64
	CancellationRecordID int64
	// OrderBusinessDate, when set with OrderID, is that order's business
	// date: its key in unsettled_orders, which the save deletes.
	OrderBusinessDate settlement.Date

	text *rowText // the rows' JSON texts, made by PrepareSettlements

	// Set by the store on read.
	ID         int64
	ComputedAt time.Time
}

// Key is the settlement's unique key in messages.
func (r *SettlementRecord) Key() string {
	t := &r.Transfer
	return transferKey(t.PartnerID, t.PaymentID, t.Kind, t.CancellationID)
}

func transferKey(partner settlement.PartnerID, payment settlement.PaymentID, kind settlement.Kind, cancellation settlement.CancellationID) string {
	k := fmt.Sprintf("partner %q payment %q kind %s", partner, payment, kind)
	if cancellation != "" {
		k += fmt.Sprintf(" cancellation %q", cancellation)
	}
	return k
}

// settlementPayload is the payload of a settlement for Duplicate vs
// Conflict: every computed value as a `path=value` line, paths in PortOne's
// names, so that a conflict names the field. It is built by appending (no
// JSON, no reflection): it is hashed for every settlement line written.
// Its layout is frozen: stored hashes depend on it.
func settlementPayload(r *SettlementRecord, b []byte) []byte {
	t := &r.Transfer
	str := func(path, v string) {
		b = append(b, path...)
		b = append(b, '=')
		b = strconv.AppendQuote(b, v)
		b = append(b, '\n')
	}
	num := func(prefix, path string, v int64) {
		b = append(b, prefix...)
		b = append(b, path...)
		b = append(b, '=')
		b = strconv.AppendInt(b, v, 10)
		b = append(b, '\n')
	}
	block := func(prefix string, a *settlement.Amounts) {
		for _, f := range settlement.AmountFields {
			num(prefix, f.Name, int64(*f.Get(a)))
		}
	}
	str("contractId", t.ContractID)
	num("", "contractVersion", int64(r.ContractVersion))
	str("policyVersions", policiesOf(r))
	str("businessDate", r.BusinessDate.String())
	str("settlementStartDate", t.SettlementStartDate.String())
	str("settlementDate", t.SettlementDate.String())
	block("amount.", &t.Amounts)
	str("detail", detailOf(r))
	num("", "orderLines", int64(len(t.Lines)))
	for i := range t.Lines {
		l := &t.Lines[i]
		p := "orderLines[" + strconv.Itoa(i) + "]."
		str(p+"productId", l.Product.ID)
		str(p+"productName", l.Product.Name)
		num(p, "quantity", l.Quantity)
		block(p+"amount.", &l.Amounts)
		if d := lineDetailOf(r, i); d != "" {
			str(p+"detail", d)
		}
	}
	return b
}

// diffSettlementPayloads lists the paths whose values differ between two
// settlement payloads.
func diffSettlementPayloads(stored, got []byte) []FieldDiff {
	parse := func(b []byte) map[string]string {
		m := map[string]string{}
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, "="); ok {
				m[k] = v
			}
		}
		return m
	}
	return diffPaths(parse(stored), parse(got))
}

func encodePolicyVersions(m map[string]int) string {
	if len(m) == 0 {
		return ""
	}
	b, _ := json.Marshal(m) // map keys are sorted
	return string(b)
}

// SaveSettlement stores a computed transfer idempotently by (partner,
// payment, kind, cancellation): the same computation again is a Duplicate,
// a different one a Conflict (*ConflictError naming the fields; nothing is
// overwritten). With IntentRequest set it also creates the transfer intent
// in the same transaction; an existing intent with a different request is
// a Conflict of record "transfer intent".
func (s *Store) SaveSettlement(ctx context.Context, rec SettlementRecord) (Outcome, error) {
	return saveOneIdempotent(ctx, s, s.settlements(nil), rec)
}

// SaveSettlements is SaveSettlement for a batch, in one transaction, with
// batched inserts of the blocks and line blocks.
func (s *Store) SaveSettlements(ctx context.Context, recs []SettlementRecord) ([]Outcome, error) {
	p, err := s.PrepareSettlements(recs)
	if err != nil {
		return nil, err
	}
	return s.SavePreparedSettlements(ctx, p)
}

// PreparedSettlements is a batch of settlements ready to be saved:
// checked, with the payloads of their settlements and intents made. It is
// SaveSettlements in two steps, so that a settle run prepares the next
// batch while the store writes the last.
type PreparedSettlements struct {
	recs  []SettlementRecord
	pays  []payload
	ipays []payload // the payload of recs[i]'s intent, when it has an IntentRequest
}

// PrepareSettlements checks recs and makes their payloads, without
// touching the database: it may run beside a save. An *InvalidError
// stops the batch.
func (s *Store) PrepareSettlements(recs []SettlementRecord) (*PreparedSettlements, error) {
	for i := range recs {
		recs[i].text = textOf(&recs[i])
	}
	pays, err := checkAll(s.settlements(nil), recs)
	if err != nil {
		return nil, err
	}
	intents := s.settlementIntents()
	ipays := make([]payload, len(recs))
	for i := range recs {
		if recs[i].IntentRequest == nil {
			continue
		}
		sp := intentSpecOf(&recs[i], 0)
		if ipays[i], err = intents.check(&sp); err != nil {
			return nil, err
		}
	}
	return &PreparedSettlements{recs: recs, pays: pays, ipays: ipays}, nil
}

// SavePreparedSettlements saves a prepared batch in one transaction, as
// SaveSettlements does.
func (s *Store) SavePreparedSettlements(ctx context.Context, p *PreparedSettlements) ([]Outcome, error) {
	spec := s.settlements(p.ipays)
	// A settle run saves the settlements of records not yet settled, so
	// the first attempt does not look their keys up (a tenth of a settle
	// run's time); a key stored after all (another instance settled the
	// same record) fails the insert, and the rerun looks them up.
	spec.fresh = true
	var outs []Outcome
	err := retryOnDuplicate(func() error {
		defer func() { spec.fresh = false }()
		outs = make([]Outcome, len(p.recs))
		// The driver does not watch ctx (see quiet): ctx is checked before
		// the commit, so a cancelled run commits nothing more.
		return s.settleTx(quiet(ctx), func(tx *gorm.DB) error {
			if err := writeIdempotent(tx, spec, p.recs, p.pays, outs); err != nil {
				return err
			}
			return ctx.Err()
		})
	})
	if err != nil {
		return nil, fmt.Errorf("save %ss: %w", spec.record, err)
	}
	return outs, nil
}

// intentSpecOf is the intent of settlement r, stored as row settlementID.
func intentSpecOf(r *SettlementRecord, settlementID int64) IntentSpec {
	t := &r.Transfer
	return IntentSpec{PartnerID: t.PartnerID, PaymentID: t.PaymentID, Kind: t.Kind, CancellationID: t.CancellationID,
		BusinessDate: r.BusinessDate, Request: r.IntentRequest, SettlementID: settlementID, Generation: r.IntentGeneration}
}

// settlements is the idempotent write of computed transfers: key (partner,
// payment, kind, cancellation), payload every computed value
// (settlementPayload), and the transfer intent in the same transaction.
// ipays, when not nil, are the intents' payloads, made beforehand.
func (s *Store) settlements(ipays []payload) *idempotent[SettlementRecord] {
	var buf []byte // reused: a payload is hashed for every settlement written
	sp := &idempotent[SettlementRecord]{
		record: "settlement", table: "settlements", hashCol: "hash",
		keyCols: []string{"partner_id", "payment_id", "kind", "cancellation_id"},
		key: func(r *SettlementRecord) rowKey {
			t := &r.Transfer
			return rowKey{string(t.PartnerID), string(t.PaymentID), string(t.Kind), string(t.CancellationID)}
		},
		name: (*SettlementRecord).Key,
		check: func(r *SettlementRecord) (payload, error) {
			t := &r.Transfer
			if t.PartnerID == "" || t.PaymentID == "" || t.Kind == "" {
				return payload{}, &InvalidError{Record: "settlement " + r.Key(), Field: "partnerId/paymentId/kind", Err: errors.New("missing")}
			}
			if (t.Kind == settlement.KindOrderCancel) != (t.CancellationID != "") {
				return payload{}, &InvalidError{Record: "settlement " + r.Key(), Field: "cancellationId", Err: errors.New("required for ORDER_CANCEL only")}
			}
			buf = settlementPayload(r, buf[:0])
			sum := sha256.Sum256(buf)
			return payload{hash: hex.EncodeToString(sum[:]), body: func() []byte { return settlementPayload(r, nil) }}, nil
		},
		stored: func(tx *gorm.DB, id int64) ([]byte, error) {
			recs, err := s.loadSettlements(tx, tx.Session(&gorm.Session{NewDB: true}).Where("id = ?", id))
			if err != nil || len(recs) == 0 {
				return nil, err
			}
			return settlementPayload(&recs[0], nil), nil
		},
		diff:   diffSettlementPayloads,
		insert: s.insertSettlementRecords,
	}
	sp.after = func(tx *gorm.DB, recs []SettlementRecord, outs []Outcome) error {
		if err := s.markSettled(tx, recs, outs); err != nil {
			return err
		}
		return s.createSettlementIntents(tx, recs, outs, ipays, sp.fresh)
	}
	return sp
}

// insertSettlementRecords writes new settlements with their line blocks,
// linked to their order and cancellation rows, and takes those records
// off the unsettled ones.
func (s *Store) insertSettlementRecords(tx *gorm.DB, recs []SettlementRecord, fresh []int, pays []payload, ids []int64) error {
	refs, err := s.sourceRefs(tx, recs, fresh)
	if err != nil {
		return err
	}
	now := s.nowUTC()
	rows := make([]settlementRow, len(fresh))
	nlines := 0
	for n, i := range fresh {
		r := &recs[i]
		rows[n] = settlementRow{Transfer: settlementColsOf(r), OrderRef: refs[n].order, CancellationRef: refs[n].cancel,
			ContractVersion: int64(r.ContractVersion), PolicyVersions: policiesOf(r), RulesVersion: r.RulesVersion,
			BusinessDate: day(r.BusinessDate), Hash: pays[i].hash, ComputedAt: at(now)}
		nlines += len(r.Transfer.Lines)
	}
	if err := s.insertSettlements(tx, rows); err != nil {
		return err
	}
	lines := make([]lineRef, 0, nlines)
	for n, i := range fresh {
		ids[n] = rows[n].ID
		lines = settlementLinesOf(rows[n].ID, &recs[i], lines)
	}
	if err := s.insertLines(tx, ourTransfers, lines); err != nil {
		return err
	}
	return s.settleSources(tx, recs, fresh, refs)
}

// settleSources takes the orders and cancellations the settlements
// recs[fresh[n]] (just inserted) settle off the unsettled ones, and fails
// with ErrSettleRaced unless each was still waiting.
func (s *Store) settleSources(tx *gorm.DB, recs []SettlementRecord, fresh []int, refs []refs) error {
	var orders, cancels []int64 // the records these settle
	var entries []orderEntry    // orders whose key in unsettled_orders is known
	for n, i := range fresh {
		r := &recs[i]
		switch {
		case r.Transfer.Kind == settlement.KindOrderCancel:
			if refs[n].cancel != nil {
				cancels = append(cancels, *refs[n].cancel)
			}
		case refs[n].order == nil:
		case r.OrderID > 0 && !r.OrderBusinessDate.IsZero():
			entries = append(entries, orderEntry{r.OrderBusinessDate, r.OrderID})
		default:
			orders = append(orders, *refs[n].order)
		}
	}
	if err := settleOrderEntries(tx, entries); err != nil {
		return err
	}
	if err := settleOrdersChecked(tx, orders); err != nil {
		return err
	}
	return settleCancellations(tx, cancels)
}

// createSettlementIntents creates the transfer intent of each settlement
// saved with an IntentRequest (not of a conflicting one), pointing at it;
// an intent whose stored request differs makes the settlement's outcome that
// intent's Conflict.
func (s *Store) createSettlementIntents(tx *gorm.DB, recs []SettlementRecord, outs []Outcome, ipays []payload, fresh bool) error {
	intents := s.settlementIntents()
	intents.fresh = fresh
	var specs []IntentSpec
	var pays []payload
	var idx []int
	for i := range recs {
		if recs[i].IntentRequest == nil || outs[i].Kind == Conflict {
			continue
		}
		specs = append(specs, intentSpecOf(&recs[i], outs[i].ID))
		if ipays != nil {
			pays = append(pays, ipays[i])
		} else {
			p, err := intents.check(&specs[len(specs)-1])
			if err != nil {
				return err
			}
			pays = append(pays, p)
		}
		idx = append(idx, i)
	}
	if len(specs) == 0 {
		return nil
	}
	iouts := make([]Outcome, len(specs))
	if err := writeIdempotent(tx, intents, specs, pays, iouts); err != nil {
		return err
	}
	for n, i := range idx {
		if iouts[n].Kind == Conflict {
			outs[i] = Outcome{Kind: Conflict, ID: outs[i].ID, Conflict: iouts[n].Conflict}
		}
	}
	return nil
}

// settlementIntents is the idempotent write of intents (s.intents) with
// their rows written by bulkInsert: a settle run creates one per record.
func (s *Store) settlementIntents() *idempotent[IntentSpec] {
	spec := *s.intents()
	spec.insert = s.insertIntents
	return &spec
}

// intentCols are the transfer_intents columns insertIntents writes.
var intentCols = []string{"intent_id", "partner_id", "payment_id", "kind", "cancellation_id", "settlement_ref", "business_date",
	"request_json", "request_hash", "status", "created_at", "updated_at"}

// insertIntents writes new pending intents and sets ids to their row ids
// (reserved by nextIDs on SQLite, drawn for COPY or returned by the insert
// on PostgreSQL).
func (s *Store) insertIntents(tx *gorm.DB, specs []IntentSpec, fresh []int, pays []payload, ids []int64) error {
	now, _ := at(s.nowUTC()).Value()
	values := func(args []any, n int) ([]any, settlement.TransferID) {
		sp := &specs[fresh[n]]
		id := IntentID(sp.PartnerID, sp.PaymentID, sp.Kind, sp.CancellationID, sp.Generation)
		var ref *int64
		if sp.SettlementID > 0 {
			ref = &sp.SettlementID
		}
		return append(args, string(id), string(sp.PartnerID), string(sp.PaymentID), string(sp.Kind), string(sp.CancellationID), ref,
			sp.BusinessDate.String(), string(sp.Request), pays[fresh[n]].hash, string(IntentPending), now, now), id
	}
	first, named, err := s.nextIDs(tx, "transfer_intents", len(fresh))
	if err != nil {
		return err
	}
	if named {
		return s.bulkInsert(tx, "transfer_intents", append([]string{"id"}, intentCols...), len(fresh), func(n int, args []any) []any {
			ids[n] = first + int64(n)
			args, _ = values(append(args, ids[n]), n)
			return args
		}, "", nil)
	}
	if ok, err := s.copyWithIDs(tx, "transfer_intents", intentCols, len(fresh), func(n int, id int64) { ids[n] = id },
		func(n int, args []any) []any {
			args, _ = values(args, n)
			return args
		}); ok {
		return err
	}
	byID := make(map[settlement.TransferID]int, len(fresh))
	err = s.bulkInsert(tx, "transfer_intents", intentCols, len(fresh), func(n int, args []any) []any {
		args, id := values(args, n)
		byID[id] = n
		return args
	}, "id, intent_id", func(rows *sql.Rows) error {
		var id int64
		var intent string
		if err := rows.Scan(&id, &intent); err != nil {
			return err
		}
		if n, ok := byID[settlement.TransferID(intent)]; ok {
			ids[n] = id
		}
		return nil
	})
	if err != nil {
		return err
	}
	for n := range ids {
		if ids[n] == 0 {
			return fmt.Errorf("transfer intent %s: no id returned", specs[fresh[n]].key())
		}
	}
	return nil
}

// settlementCols are settlements' columns as insertSettlements writes them.
var settlementCols = append([]string{"partner_id", "payment_id", "kind", "cancellation_id", "order_ref", "cancellation_ref",
	"contract_id", "contract_version", "policy_versions", "business_date", "settlement_start_date", "settlement_date",
	"detail_json", "hash", "computed_at", "rules_version", "compare_digest"}, amountCols...)

// insertSettlements inserts settlement rows with multi-row INSERTs and
// sets their IDs: on SQLite the ids reserved by nextIDs, on PostgreSQL
// those drawn for COPY (copyWithIDs) or, in a transaction that cannot
// copy, those of INSERT … RETURNING, matched by key (RETURNING's row order
// is not promised).
func (s *Store) insertSettlements(tx *gorm.DB, rows []settlementRow) error {
	first, named, err := s.nextIDs(tx, "settlements", len(rows))
	if err != nil {
		return err
	}
	if named {
		return s.bulkInsert(tx, "settlements", append([]string{"id"}, settlementCols...), len(rows), func(i int, args []any) []any {
			rows[i].ID = first + int64(i)
			return settlementValues(append(args, rows[i].ID), &rows[i])
		}, "", nil)
	}
	if ok, err := s.copyWithIDs(tx, "settlements", settlementCols, len(rows), func(i int, id int64) { rows[i].ID = id },
		func(i int, args []any) []any { return settlementValues(args, &rows[i]) }); ok {
		return err
	}
	byKey := make(map[rowKey]*settlementRow, len(rows))
	err = s.bulkInsert(tx, "settlements", settlementCols, len(rows), func(i int, args []any) []any {
		r := &rows[i]
		t := &r.Transfer
		byKey[rowKey{string(t.PartnerID), string(t.PaymentID), t.Kind, string(t.CancellationID)}] = r
		return settlementValues(args, r)
	}, "id, partner_id, payment_id, kind, cancellation_id", func(res *sql.Rows) error {
		var id int64
		var k rowKey
		if err := res.Scan(&id, &k[0], &k[1], &k[2], &k[3]); err != nil {
			return err
		}
		if r := byKey[k]; r != nil {
			r.ID = id
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i := range rows {
		if rows[i].ID == 0 {
			t := &rows[i].Transfer
			return fmt.Errorf("settlement %s: no id returned", transferKey(t.PartnerID, t.PaymentID, settlement.Kind(t.Kind), t.CancellationID))
		}
	}
	return nil
}

// settlementValues appends the values of row r in settlementCols order.
func settlementValues(args []any, r *settlementRow) []any {
	t := &r.Transfer
	computed, _ := r.ComputedAt.Value()
	args = append(args, string(t.PartnerID), string(t.PaymentID), t.Kind, string(t.CancellationID), r.OrderRef, r.CancellationRef, t.ContractID,
		r.ContractVersion, r.PolicyVersions, settlement.Date(r.BusinessDate).String(), settlement.Date(t.SettlementStartDate).String(),
		settlement.Date(t.SettlementDate).String(), t.DetailJSON, r.Hash, computed, r.RulesVersion, t.CompareDigest)
	return amountValues(args, &t.Amounts)
}

func translateErr(tx *gorm.DB, err error) error {
	if tr, ok := tx.Dialector.(gorm.ErrorTranslator); ok {
		return tr.Translate(err)
	}
	return err
}

// lineRef is one line block to insert: the line of a transfer and the
// transfer row it belongs to (no copy of the block).
type lineRef struct {
	ref, no     int64
	start, date string
	l           *settlement.LineResult
	detail      string // the line's detail text, when made beforehand ("" : made by insertLines)
}

// linesOf appends the line blocks of t, stored as transfer row ref, to dst.
func linesOf(ref int64, t *settlement.Transfer, dst []lineRef) []lineRef {
	start, date := t.SettlementStartDate.String(), t.SettlementDate.String()
	for j := range t.Lines {
		dst = append(dst, lineRef{ref: ref, no: int64(j + 1), start: start, date: date, l: &t.Lines[j]})
	}
	return dst
}

// lineColumns are a line table's columns after its reference column, as
// insertLines writes them; the amount columns come from
// settlement.AmountFields.
var lineColumns = append([]string{"line_no", "product_id", "product_name", "quantity",
	"settlement_start_date", "settlement_date", "detail_json"}, amountCols...)

// insertLines writes line blocks into tbl's line table with bulkInsert:
// this is the hot path of a nightly settle (millions of lines).
func (s *Store) insertLines(tx *gorm.DB, tbl transferTable, lines []lineRef) error {
	cols := append([]string{tbl.ref}, lineColumns...)
	return s.bulkInsert(tx, tbl.lines, cols, len(lines), func(i int, args []any) []any {
		r := &lines[i]
		l := r.l
		d := r.detail
		if d == "" {
			d = detailText(l.Discounts, l.AdditionalFees, l.UserDefined) // "" at once for a line with none
		}
		args = append(args, r.ref, r.no, l.Product.ID, l.Product.Name, l.Quantity, r.start, r.date, d)
		return amountValues(args, &l.Amounts)
	}, "", nil)
}

// insertSQL is `INSERT INTO table (cols) VALUES (…), …` for rows rows with
// the dialect's placeholders (`INSERT OR FAIL` for settle's tables on
// SQLite: see insertVerb).
func (s *Store) insertSQL(table string, cols []string, rows int) string {
	var b strings.Builder
	b.Grow(len(table) + 20 + len(cols)*16 + rows*len(cols)*7)
	b.WriteString(s.insertVerb(table))
	b.WriteString(table)
	b.WriteString(" (")
	b.WriteString(strings.Join(cols, ", "))
	b.WriteString(") VALUES ")
	n := 0
	for r := range rows {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c := range cols {
			if c > 0 {
				b.WriteByte(',')
			}
			n++
			if s.dialect == Postgres {
				b.WriteByte('$')
				b.WriteString(strconv.Itoa(n))
			} else {
				b.WriteByte('?')
			}
		}
		b.WriteByte(')')
	}
	return b.String()
}

type refs struct{ order, cancel *int64 }

// sourceRefs finds the order and cancellation rows of recs[fresh[n]], in
// fresh order.
func (s *Store) sourceRefs(tx *gorm.DB, recs []SettlementRecord, fresh []int) ([]refs, error) {
	out := make([]refs, len(fresh))
	var okeys, ckeys []rowKey
	for n, i := range fresh {
		r := &recs[i]
		t := &r.Transfer
		if r.OrderID > 0 {
			id := r.OrderID
			out[n].order = &id
		} else {
			okeys = append(okeys, rowKey{string(t.PartnerID), string(t.PaymentID)})
		}
		if t.CancellationID == "" {
			continue
		}
		if r.CancellationRecordID > 0 {
			id := r.CancellationRecordID
			out[n].cancel = &id
		} else {
			ckeys = append(ckeys, rowKey{string(t.PartnerID), string(t.CancellationID)})
		}
	}
	if len(okeys) == 0 && len(ckeys) == 0 {
		return out, nil
	}
	orders, err := lookupKeys(tx, "orders", []string{"partner_id", "payment_id"}, "request_hash", okeys)
	if err != nil {
		return nil, err
	}
	cancels, err := lookupKeys(tx, "cancellations", []string{"partner_id", "cancellation_id"}, "request_hash", ckeys)
	if err != nil {
		return nil, err
	}
	for n, i := range fresh {
		t := &recs[i].Transfer
		if o, ok := orders[rowKey{string(t.PartnerID), string(t.PaymentID)}]; ok && out[n].order == nil {
			out[n].order = &o.id
		}
		if c, ok := cancels[rowKey{string(t.PartnerID), string(t.CancellationID)}]; ok && t.CancellationID != "" && out[n].cancel == nil {
			out[n].cancel = &c.id
		}
	}
	return out, nil
}

// Settlement returns the stored settlement with key (partner, payment,
// kind, cancellation id; "" for orders), or a *NotFoundError.
func (s *Store) Settlement(ctx context.Context, partnerID settlement.PartnerID, paymentID settlement.PaymentID, kind settlement.Kind, cancellationID settlement.CancellationID) (SettlementRecord, error) {
	recs, err := s.loadSettlements(s.w(ctx), s.w(ctx).Where("partner_id = ? AND payment_id = ? AND kind = ? AND cancellation_id = ?", partnerID, paymentID, string(kind), cancellationID))
	if err != nil {
		return SettlementRecord{}, fmt.Errorf("settlement %s: %w", transferKey(partnerID, paymentID, kind, cancellationID), err)
	}
	if len(recs) == 0 {
		return SettlementRecord{}, &NotFoundError{What: "settlement " + transferKey(partnerID, paymentID, kind, cancellationID)}
	}
	return recs[0], nil
}

// SettlementsOfPayment returns the settlements (the order's and its
// cancellations') of one payment of one partner, in id order.
func (s *Store) SettlementsOfPayment(ctx context.Context, partnerID settlement.PartnerID, paymentID settlement.PaymentID) ([]SettlementRecord, error) {
	recs, err := s.loadSettlements(s.w(ctx), s.w(ctx).Where("partner_id = ? AND payment_id = ?", partnerID, paymentID).Order("id"))
	if err != nil {
		return nil, fmt.Errorf("settlements of payment %q: %w", paymentID, err)
	}
	return recs, nil
}

func (s *Store) loadSettlements(db *gorm.DB, q *gorm.DB) ([]SettlementRecord, error) {
	var rows []settlementRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, nil
	}
	cols := make([]*transferCols, len(rows))
	for i := range rows {
		cols[i] = &rows[i].Transfer
	}
	ts, err := loadTransfers(db, ourTransfers, func(i int) int64 { return rows[i].ID }, cols)
	if err != nil {
		return nil, err
	}
	recs := make([]SettlementRecord, len(rows))
	for i, r := range rows {
		var pv map[string]int
		if r.PolicyVersions != "" {
			if err := json.Unmarshal([]byte(r.PolicyVersions), &pv); err != nil {
				return nil, fmt.Errorf("settlement %d: policy versions: %w", r.ID, err)
			}
		}
		recs[i] = SettlementRecord{Transfer: ts[i], BusinessDate: r.BusinessDate.date(), ContractVersion: int(r.ContractVersion),
			PolicyVersions: pv, RulesVersion: r.RulesVersion, ID: r.ID, ComputedAt: r.ComputedAt.Time}
	}
	return recs, nil
}
