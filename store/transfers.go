package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/settle-dev/settle/settlement"
)

// PortOneTransfer is PortOne's answer for one transfer, kept in the shape
// of a transfer we compute (a SettlementRecord's): the embedded
// settlement.Transfer with its lines, discounts and fees, as
// transfer.Observe made it right at the wire boundary. A cancel's amounts
// are positive magnitudes whatever sign PortOne used (Negated records that
// it sent them negated), so every reader, the SQL read models included,
// sees one sign. Raw is PortOne's JSON as Observe trimmed it (no partner
// account, no embedded reference data, and no amount blocks: their numbers
// are the embedded Transfer's, kept in columns once).
type PortOneTransfer struct {
	settlement.Transfer
	TransferID settlement.TransferID // PortOne's transfer id (our client id when we chose it)
	IntentID   settlement.TransferID // the intent it answers, if any
	Status     settlement.TransferStatus
	Negated    bool // PortOne sent the cancel's amounts negated
	Raw        []byte
	ObservedAt time.Time // when PortOne said so; defaults to now

	// Set by the store on read.
	RecordedAt time.Time
	UpdatedAt  time.Time
}

// RecordTransfer stores PortOne's current answer for a transfer (after a
// GET during sync or reconcile): the latest answer replaces the previous
// one, and a status change is appended to the transfer's status history
// with source ("sync", "reconcile", …).
func (s *Store) RecordTransfer(ctx context.Context, t PortOneTransfer, source string) error {
	if t.TransferID == "" {
		return &InvalidError{Record: "portone transfer", Field: "id", Err: errors.New("missing")}
	}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var intentRef int64
		if t.IntentID != "" {
			res := tx.Model(&intentRow{}).Select("id").Where("intent_id = ?", t.IntentID).Limit(1).Scan(&intentRef)
			if res.Error != nil {
				return res.Error
			}
		}
		return s.recordTransferTx(tx, &t, intentRef, source)
	})
	if err != nil {
		return fmt.Errorf("record portone transfer %q: %w", t.TransferID, err)
	}
	return nil
}

// recordTransfersTx records PortOne's answers ts (with the row ids of the
// intents they answer, 0 for none, and the source of each status) as
// recordTransferTx does one by one, with multi-row INSERTs for the answers
// not yet recorded: the answers a poster writes in a group are new but for
// the rare adoption of a transfer an earlier run already recorded.
func (s *Store) recordTransfersTx(tx *gorm.DB, ts []*PortOneTransfer, intentRefs []int64, sources []string) error {
	if len(ts) == 0 {
		return nil
	}
	ids := make([]settlement.TransferID, len(ts))
	for i, t := range ts {
		ids[i] = t.TransferID
	}
	seen := make(map[settlement.TransferID]bool, len(ts))
	for c := 0; c < len(ids); c += outcomeChunk {
		var found []settlement.TransferID
		if err := tx.Model(&portoneTransferRow{}).Where("transfer_id IN ?", ids[c:min(c+outcomeChunk, len(ids))]).Pluck("transfer_id", &found).Error; err != nil {
			return err
		}
		for _, id := range found {
			seen[id] = true
		}
	}
	now := s.nowUTC()
	var rows []portoneTransferRow
	var fresh []int
	for i, t := range ts {
		if seen[t.TransferID] {
			if err := s.recordTransferTx(tx, t, intentRefs[i], sources[i]); err != nil {
				return err
			}
			continue
		}
		seen[t.TransferID] = true // a second answer for it in this batch updates the first
		row := portoneTransferRow{TransferID: t.TransferID, Transfer: colsOf(&t.Transfer), Status: string(t.Status),
			Negated: boolInt(t.Negated), RawJSON: string(t.Raw), RecordedAt: at(now), UpdatedAt: at(now)}
		if intentRefs[i] > 0 {
			ref := intentRefs[i]
			row.IntentRef = &ref
		}
		rows = append(rows, row)
		fresh = append(fresh, i)
	}
	if len(rows) == 0 {
		return nil
	}
	if err := s.insertAnswers(tx, rows); err != nil {
		return err
	}
	var lines []lineRef
	hist := make([]historyRow, len(rows))
	for n, i := range fresh {
		t := ts[i]
		lines = linesOf(rows[n].ID, &t.Transfer, lines)
		observed := t.ObservedAt
		if observed.IsZero() {
			observed = now
		}
		hist[n] = historyRow{t.TransferID, t.IntentID, rows[n].Transfer.PartnerID, string(t.Status), sources[i], at(observed)}
	}
	if err := s.insertLines(tx, portOneTransfers, lines); err != nil {
		return err
	}
	return s.bulkInsert(tx, "transfer_status_history", historyColumns, len(hist), func(i int, dst []any) []any {
		h := &hist[i]
		return append(dst, h.transferID, h.intentID, h.partnerID, "", h.to, h.source, h.observed)
	}, "", nil)
}

// historyRow is a first status of a new answer, as recordTransfersTx
// inserts it (from_status empty).
type historyRow struct {
	transferID, intentID settlement.TransferID
	partnerID            settlement.PartnerID
	to, source           string
	observed             instant
}

// answerColumns are the columns of portone_transfers that insertAnswers
// writes, in the order it appends them.
var answerColumns = append([]string{"transfer_id", "intent_ref", "partner_id", "payment_id", "kind", "cancellation_id", "contract_id",
	"settlement_start_date", "settlement_date", "detail_json", "status", "negated", "raw_json", "recorded_at", "updated_at", "compare_digest"}, amountCols...)

var historyColumns = []string{"transfer_id", "intent_id", "partner_id", "from_status", "to_status", "source", "observed_at"}

// insertAnswers inserts new answers with bulkInsert (prepared multi-row
// INSERTs: GORM's reflection over thirty columns, or a statement of
// thousands of parameters parsed afresh for each group, cost more than
// SQLite's insert) and sets their row ids, matched by transfer id.
func (s *Store) insertAnswers(tx *gorm.DB, rows []portoneTransferRow) error {
	values := func(i int, dst []any) []any {
		r := &rows[i]
		t := &r.Transfer
		dst = append(dst, r.TransferID, r.IntentRef, t.PartnerID, t.PaymentID, t.Kind, t.CancellationID, t.ContractID,
			t.SettlementStartDate, t.SettlementDate, t.DetailJSON, r.Status, r.Negated, r.RawJSON, r.RecordedAt, r.UpdatedAt, t.CompareDigest)
		return amountValues(dst, &t.Amounts)
	}
	if ok, err := s.copyWithIDs(tx, portOneTransfers.table, answerColumns, len(rows), func(i int, id int64) { rows[i].ID = id }, values); ok {
		return err
	}
	ids := make(map[settlement.TransferID]int64, len(rows))
	err := s.bulkInsert(tx, "portone_transfers", answerColumns, len(rows), values, "id, transfer_id", func(r *sql.Rows) error {
		var id int64
		var tid settlement.TransferID
		if err := r.Scan(&id, &tid); err != nil {
			return err
		}
		ids[tid] = id
		return nil
	})
	if err != nil {
		return err
	}
	for i := range rows {
		if rows[i].ID = ids[rows[i].TransferID]; rows[i].ID == 0 {
			return fmt.Errorf("portone transfer %q: no row id returned", rows[i].TransferID)
		}
	}
	return nil
}

func (s *Store) recordTransferTx(tx *gorm.DB, t *PortOneTransfer, intentRef int64, source string) error {
	now := s.nowUTC()
	observed := t.ObservedAt
	if observed.IsZero() {
		observed = now
	}
	var ex portoneTransferRow
	res := tx.Where("transfer_id = ?", t.TransferID).Limit(1).Find(&ex)
	if res.Error != nil {
		return res.Error
	}
	row := portoneTransferRow{
		TransferID: t.TransferID, Transfer: colsOf(&t.Transfer), Status: string(t.Status), Negated: boolInt(t.Negated),
		RawJSON: string(t.Raw), RecordedAt: at(now), UpdatedAt: at(now),
	}
	if intentRef > 0 {
		row.IntentRef = &intentRef
	}
	from := ""
	if res.RowsAffected > 0 {
		from = ex.Status
		row.ID, row.RecordedAt = ex.ID, ex.RecordedAt
		if row.IntentRef == nil {
			row.IntentRef = ex.IntentRef
		}
		if row.Transfer.PartnerID == "" {
			rt, et := &row.Transfer, &ex.Transfer
			rt.PartnerID, rt.PaymentID, rt.Kind, rt.CancellationID = et.PartnerID, et.PaymentID, et.Kind, et.CancellationID
		}
		if err := tx.Save(&row).Error; err != nil {
			return err
		}
		if err := tx.Where("portone_transfer_ref = ?", row.ID).Delete(&portoneLineRow{}).Error; err != nil {
			return err
		}
	} else if err := tx.Create(&row).Error; err != nil {
		return err
	}
	if err := s.insertLines(tx, portOneTransfers, linesOf(row.ID, &t.Transfer, nil)); err != nil {
		return err
	}
	if from != string(t.Status) {
		h := statusHistoryRow{TransferID: t.TransferID, IntentID: t.IntentID, PartnerID: row.Transfer.PartnerID, FromStatus: from,
			ToStatus: string(t.Status), Source: source, ObservedAt: at(observed)}
		if err := tx.Create(&h).Error; err != nil {
			return err
		}
	}
	return nil
}

// PortOneTransferByID returns PortOne's last recorded answer for a transfer.
func (s *Store) PortOneTransferByID(ctx context.Context, transferID settlement.TransferID) (PortOneTransfer, error) {
	ts, err := s.loadPortOne(s.w(ctx), s.w(ctx).Where("transfer_id = ?", transferID))
	if err != nil {
		return PortOneTransfer{}, fmt.Errorf("portone transfer %q: %w", transferID, err)
	}
	if len(ts) == 0 {
		return PortOneTransfer{}, &NotFoundError{What: fmt.Sprintf("portone transfer %q", transferID)}
	}
	return ts[0], nil
}

// KnownTransfers says which of ids have an answer recorded, one query per
// page of ids.
func (s *Store) KnownTransfers(ctx context.Context, ids []settlement.TransferID) (map[settlement.TransferID]bool, error) {
	known := make(map[settlement.TransferID]bool, len(ids))
	for i := 0; i < len(ids); i += lookupChunk {
		var found []settlement.TransferID
		if err := s.w(ctx).Model(&portoneTransferRow{}).Where("transfer_id IN ?", ids[i:min(i+lookupChunk, len(ids))]).Pluck("transfer_id", &found).Error; err != nil {
			return nil, fmt.Errorf("known transfers: %w", err)
		}
		for _, id := range found {
			known[id] = true
		}
	}
	return known, nil
}

// finalStatuses are the transfer statuses sync no longer polls.
var finalStatuses = []string{string(settlement.StatusPaidOut)}

// OpenTransfers calls fn for each recorded PortOne transfer whose status
// can still change (everything but PAID_OUT), a page at a time in id
// order. fn may write to the store.
func (s *Store) OpenTransfers(ctx context.Context, fn func(*PortOneTransfer) error) error {
	load := func(rows []portoneTransferRow) ([]PortOneTransfer, error) { return s.portOneFromRows(s.w(ctx), rows) }
	q := s.w(ctx).Where("status NOT IN ?", finalStatuses)
	return walk(ctx, "open transfers", byID[portoneTransferRow](q), load, fn)
}

// FollowGroup says why the status of a recorded transfer may change on a
// given day: PortOne moves a status when its dates come (SCHEDULED from
// the start date, SETTLED from the settlement date) and when a payout
// takes a settled transfer, and at no other time.
type FollowGroup int

// The groups sync follows. A transfer is in at most one on a day.
const (
	// FollowDue: SCHEDULED or IN_PROCESS, and its settlement date has come.
	FollowDue FollowGroup = iota + 1
	// FollowStarted: SCHEDULED, its start date has come, its settlement
	// date has not.
	FollowStarted
	// FollowPayout: SETTLED, PAYOUT_CONFIRMED or IN_PAYOUT: a payout
	// (made in PortOne's console) moves it any day.
	FollowPayout
	// FollowOther: a status this program does not know.
	FollowOther
)

// followWhere is group g's condition on today and the column of the date
// its transfers are listed by.
func followWhere(g FollowGroup, today settlement.Date) (where string, args []any, dateCol string) {
	t := day(today)
	switch g {
	case FollowDue:
		return "p.status IN ('SCHEDULED', 'IN_PROCESS') AND p.settlement_date <> '' AND p.settlement_date <= ?", []any{t}, "p.settlement_date"
	case FollowStarted:
		return "p.status = 'SCHEDULED' AND p.settlement_start_date <> '' AND p.settlement_start_date <= ? AND p.settlement_date > ?",
			[]any{t, t}, "p.settlement_start_date"
	case FollowPayout:
		return "p.status IN ('SETTLED', 'PAYOUT_CONFIRMED', 'IN_PAYOUT')", nil, "p.settlement_date"
	}
	return "p.status NOT IN ('SCHEDULED', 'IN_PROCESS', 'SETTLED', 'PAYOUT_CONFIRMED', 'IN_PAYOUT', 'PAID_OUT')", nil, "p.settlement_date"
}

// FollowDates returns, in order, the dates by which group g's transfers
// are listed at PortOne (start dates for FollowStarted, settlement dates
// otherwise) with how many of ours fall on each, from the index on
// (status, settlement date).
func (s *Store) FollowDates(ctx context.Context, g FollowGroup, today settlement.Date) ([]settlement.Date, []int64, error) {
	where, args, col := followWhere(g, today)
	var dates []settlement.Date
	var counts []int64
	err := s.stream(ctx, "dates of the transfers to follow", "SELECT "+col+", COUNT(*) FROM portone_transfers p WHERE "+where+
		" GROUP BY "+col+" ORDER BY "+col, args, func(rows *sql.Rows) error {
		var d day
		var n int64
		if err := rows.Scan(&d, &n); err != nil {
			return err
		}
		dates, counts = append(dates, d.date()), append(counts, n)
		return nil
	})
	return dates, counts, err
}

// Followed is a recorded answer as sync follows it.
type Followed struct {
	TransferID          settlement.TransferID
	IntentID            settlement.TransferID // "" for a transfer we did not intend
	PartnerID           settlement.PartnerID
	Kind                settlement.Kind
	Status              settlement.TransferStatus
	SettlementStartDate settlement.Date
	SettlementDate      settlement.Date
	Settlement          settlement.Won // PortOne's settlement amount (a cancel's positive)
}

// FollowedTransfers calls fn for each transfer of group g on today whose
// date (as FollowDates) is within from..until (zero dates: any).
func (s *Store) FollowedTransfers(ctx context.Context, g FollowGroup, today, from, until settlement.Date, fn func(*Followed) error) error {
	where, args, col := followWhere(g, today)
	if !from.IsZero() {
		where += " AND " + col + " >= ?"
		args = append(args, day(from))
	}
	if !until.IsZero() {
		where += " AND " + col + " <= ?"
		args = append(args, day(until))
	}
	q := `SELECT p.transfer_id, COALESCE(i.intent_id, ''), p.partner_id, p.kind, p.status, p.settlement_start_date, p.settlement_date, p.a_settlement
FROM portone_transfers p LEFT JOIN transfer_intents i ON i.id = p.intent_ref WHERE ` + where
	return s.stream(ctx, "transfers to follow", q, args, func(rows *sql.Rows) error {
		var f Followed
		var start, date day
		var kind, status string
		var amount int64
		if err := rows.Scan(&f.TransferID, &f.IntentID, &f.PartnerID, &kind, &status, &start, &date, &amount); err != nil {
			return err
		}
		f.Kind, f.Status, f.SettlementStartDate, f.SettlementDate, f.Settlement = settlement.Kind(kind), settlement.TransferStatus(status), start.date(), date.date(), settlement.Won(amount)
		return fn(&f)
	})
}

// StatusUpdate is a new status PortOne reports for a recorded transfer
// whose amounts and dates it reports unchanged.
type StatusUpdate struct {
	TransferID settlement.TransferID
	IntentID   settlement.TransferID
	PartnerID  settlement.PartnerID
	From, To   settlement.TransferStatus
	ObservedAt time.Time
}

// RecordStatuses records new statuses of recorded transfers, each change
// appended to its transfer's status history with source, in one
// transaction with one UPDATE per (new status, chunk): a night whose
// settlement date moves a million transfers to SETTLED writes them as a
// few thousand statements, not a million GETs and answers. The stored
// answer's lines and amounts are left as they are (PortOne fixes them once
// a transfer is IN_PROCESS); raw_json keeps the answer as last fetched in
// full, so its status may be older than the status column.
func (s *Store) RecordStatuses(ctx context.Context, us []StatusUpdate, source string) error {
	if len(us) == 0 {
		return nil
	}
	byTo := map[settlement.TransferStatus][]settlement.TransferID{}
	hist := make([]statusHistoryRow, len(us))
	now := s.nowUTC()
	for i, u := range us {
		byTo[u.To] = append(byTo[u.To], u.TransferID)
		observed := u.ObservedAt
		if observed.IsZero() {
			observed = now
		}
		hist[i] = statusHistoryRow{TransferID: u.TransferID, IntentID: u.IntentID, PartnerID: u.PartnerID, FromStatus: string(u.From),
			ToStatus: string(u.To), Source: source, ObservedAt: at(observed)}
	}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		for to, ids := range byTo {
			for c := 0; c < len(ids); c += outcomeChunk {
				if err := tx.Model(&portoneTransferRow{}).Where("transfer_id IN ?", ids[c:min(c+outcomeChunk, len(ids))]).
					Updates(map[string]any{"status": string(to), "updated_at": at(now)}).Error; err != nil {
					return err
				}
			}
		}
		return tx.CreateInBatches(&hist, 200).Error
	})
	if err != nil {
		return fmt.Errorf("record %d status changes: %w", len(us), err)
	}
	return nil
}

func (s *Store) loadPortOne(db, q *gorm.DB) ([]PortOneTransfer, error) {
	var rows []portoneTransferRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, err
	}
	return s.portOneFromRows(db, rows)
}

func (s *Store) portOneFromRows(db *gorm.DB, rows []portoneTransferRow) ([]PortOneTransfer, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	cols := make([]*transferCols, len(rows))
	refs := map[int64]int64{}
	for i := range rows {
		cols[i] = &rows[i].Transfer
		if r := rows[i].IntentRef; r != nil {
			refs[rows[i].ID] = *r
		}
	}
	ts, err := loadTransfers(db, portOneTransfers, func(i int) int64 { return rows[i].ID }, cols)
	if err != nil {
		return nil, err
	}
	intentIDs := map[int64]settlement.TransferID{}
	if len(refs) > 0 {
		var ins []intentRow
		var irefs []int64
		for _, v := range refs {
			irefs = append(irefs, v)
		}
		if err := db.Session(&gorm.Session{NewDB: true}).Select("id, intent_id").Where("id IN ?", irefs).Find(&ins).Error; err != nil {
			return nil, err
		}
		for _, in := range ins {
			intentIDs[in.ID] = in.IntentID
		}
	}
	out := make([]PortOneTransfer, len(rows))
	for i, r := range rows {
		out[i] = PortOneTransfer{Transfer: ts[i], TransferID: r.TransferID, IntentID: intentIDs[refs[r.ID]], Status: settlement.TransferStatus(r.Status),
			Negated: r.Negated != 0, Raw: []byte(r.RawJSON), RecordedAt: r.RecordedAt.Time, UpdatedAt: r.UpdatedAt.Time}
	}
	return out, nil
}

// transferTable names the tables of one kind of stored transfer: ours
// (settlements) or PortOne's answers. Both have the same transfer and line
// columns (transferCols, lineCols), so one loader and one line writer
// serve both.
type transferTable struct {
	table, lines, ref string // the transfers, their lines, the lines' reference column
}

var (
	ourTransfers     = transferTable{"settlements", "settlement_lines", "settlement_ref"}
	portOneTransfers = transferTable{"portone_transfers", "portone_transfer_lines", "portone_transfer_ref"}
)

// colsOf is the stored form of a transfer's own columns.
func colsOf(t *settlement.Transfer) transferCols {
	return transferCols{PartnerID: t.PartnerID, PaymentID: t.PaymentID, Kind: string(t.Kind), CancellationID: t.CancellationID,
		ContractID: t.ContractID, SettlementStartDate: day(t.SettlementStartDate), SettlementDate: day(t.SettlementDate),
		Amounts: t.Amounts, DetailJSON: encodeDetail(t.Discounts, t.AdditionalFees, t.UserDefined), CompareDigest: t.CompareDigest()}
}

// loadTransfers builds the transfers whose own columns are cols (row id
// id(i) for cols[i]) with their line blocks from tbl's lines, in cols order.
func loadTransfers(db *gorm.DB, tbl transferTable, id func(i int) int64, cols []*transferCols) ([]settlement.Transfer, error) {
	out := make([]settlement.Transfer, len(cols))
	byID := make(map[int64]*settlement.Transfer, len(cols))
	ids := make([]int64, len(cols))
	for i, c := range cols {
		ds, fs, user, err := decodeDetail(c.DetailJSON)
		if err != nil {
			return nil, fmt.Errorf("%s %d: detail: %w", tbl.table, id(i), err)
		}
		out[i] = settlement.Transfer{
			Kind: settlement.Kind(c.Kind), PartnerID: c.PartnerID, PaymentID: c.PaymentID, ContractID: c.ContractID,
			CancellationID: c.CancellationID, SettlementStartDate: c.SettlementStartDate.date(), SettlementDate: c.SettlementDate.date(),
			Amounts: c.Amounts, Discounts: ds, AdditionalFees: fs, UserDefined: user,
		}
		ids[i] = id(i)
		byID[ids[i]] = &out[i]
	}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := db.Session(&gorm.Session{NewDB: true}).Raw("SELECT "+tbl.ref+", product_id, product_name, quantity, detail_json, "+amountList("")+
		" FROM "+tbl.lines+" WHERE "+tbl.ref+" IN ? ORDER BY "+tbl.ref+", line_no", ids).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var ref int64
		var l settlement.LineResult
		var detail string
		if err := rows.Scan(amountDests([]any{&ref, &l.Product.ID, &l.Product.Name, &l.Quantity, &detail}, &l.Amounts)...); err != nil {
			return nil, err
		}
		if l.Discounts, l.AdditionalFees, l.UserDefined, err = decodeDetail(detail); err != nil {
			return nil, fmt.Errorf("%s %d line %s: detail: %w", tbl.table, ref, l.Product.ID, err)
		}
		t := byID[ref]
		t.Lines = append(t.Lines, l)
	}
	return out, rows.Err()
}

type discountJSON struct {
	SharePolicyID string `json:"sharePolicyId"`
	Amount        int64  `json:"amount"`
	TaxFree       int64  `json:"taxFreeAmount"`
	ShareAmount   int64  `json:"shareAmount"`
	ShareTaxFree  int64  `json:"shareTaxFreeAmount"`
}

type feeJSON struct {
	PolicyID string `json:"policyId"`
	Amount   int64  `json:"amount"`
	VAT      int64  `json:"vat"`
}

type detailJSON struct {
	Discounts []discountJSON `json:"discounts,omitempty"`
	Fees      []feeJSON      `json:"additionalFees,omitempty"`
	// User is the block's results of user-defined formulas (PortOne's
	// amount.userDefinedFormulas), which reconciliation compares too.
	User map[string]int64 `json:"userDefinedFormulas,omitempty"`
}

// encodeDetail is the detail_json of a block's discounts, fees and
// user-defined formula results: "" when it has none (the common case costs
// nothing). Map keys are written sorted, so equal details are equal text.
func encodeDetail(ds []settlement.DiscountResult, fs []settlement.FeeResult, user map[string]settlement.Won) string {
	if len(ds) == 0 && len(fs) == 0 && len(user) == 0 {
		return ""
	}
	var d detailJSON
	for _, x := range ds {
		d.Discounts = append(d.Discounts, discountJSON{x.SharePolicyID, int64(x.Amount), int64(x.TaxFree), int64(x.ShareAmount), int64(x.ShareTaxFree)})
	}
	for _, x := range fs {
		d.Fees = append(d.Fees, feeJSON{x.PolicyID, int64(x.Amount), int64(x.VAT)})
	}
	if len(user) > 0 {
		d.User = make(map[string]int64, len(user))
		for k, v := range user {
			d.User[k] = int64(v)
		}
	}
	b, _ := json.Marshal(d)
	return string(b)
}

func decodeDetail(s string) ([]settlement.DiscountResult, []settlement.FeeResult, map[string]settlement.Won, error) {
	if s == "" {
		return nil, nil, nil, nil
	}
	var d detailJSON
	if err := json.Unmarshal([]byte(s), &d); err != nil {
		return nil, nil, nil, err
	}
	var ds []settlement.DiscountResult
	var fs []settlement.FeeResult
	for _, x := range d.Discounts {
		ds = append(ds, settlement.DiscountResult{SharePolicyID: x.SharePolicyID, Amount: settlement.Won(x.Amount), TaxFree: settlement.Won(x.TaxFree),
			ShareAmount: settlement.Won(x.ShareAmount), ShareTaxFree: settlement.Won(x.ShareTaxFree)})
	}
	for _, x := range d.Fees {
		fs = append(fs, settlement.FeeResult{PolicyID: x.PolicyID, Amount: settlement.Won(x.Amount), VAT: settlement.Won(x.VAT)})
	}
	var user map[string]settlement.Won
	if len(d.User) > 0 {
		user = make(map[string]settlement.Won, len(d.User))
		for k, v := range d.User {
			user[k] = settlement.Won(v)
		}
	}
	return ds, fs, user, nil
}
