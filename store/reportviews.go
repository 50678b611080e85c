package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/settle-dev/settle/settlement"
)

// Read models of the workbook and the partner statement. Like the others
// (views.go) they stream one row at a time from the read pool; unlike
// them they are built for a million transfers a night: one query each, no
// query per row, and the many integer columns of a row packed by the
// database into one text column (packInts), since the SQLite driver pays
// two cgo calls for every column it returns. The workbook's rows come by
// partner and settlement date: on SQLite read by settlement id, each table
// of a join forward, and put in that order by a rowSpool (reportscan.go);
// for a partner's statement and on PostgreSQL sorted by the database
// (settlements_report, migration 12).

// sep separates the packed text fields of a row. It is a control character,
// which no id, date or status may contain (settlement.CheckID).
const sep = "\x1f"

// packInts is the SQL of one text column holding the integer expressions
// exprs separated by commas (NULL counts as 0), read back with unpackInts.
// SQLite formats them in one printf, which costs less than the two cgo
// calls per column the driver would make; PostgreSQL joins them.
func (s *Store) packInts(exprs ...string) string {
	if s.dialect == Postgres {
		parts := make([]string, len(exprs))
		for i, e := range exprs {
			parts[i] = "COALESCE(" + e + ", 0)"
		}
		return "concat_ws(','," + strings.Join(parts, ", ") + ")"
	}
	return "printf('" + strings.Repeat("%d,", len(exprs)-1) + "%d', " + strings.Join(exprs, ", ") + ")"
}

// packTexts is the SQL of one text column holding the text expressions
// exprs separated by sep (NULL as ""), read back with splitPacked.
func (s *Store) packTexts(exprs ...string) string {
	if s.dialect == Postgres {
		parts := make([]string, len(exprs))
		for i, e := range exprs {
			// Postgres types the COALESCE by its first argument: an
			// integer column with '' would not parse, so cast first.
			parts[i] = "COALESCE(CAST(" + e + " AS TEXT), '')"
		}
		return "concat_ws('" + sep + "', " + strings.Join(parts, ", ") + ")"
	}
	return "printf('" + strings.Repeat("%s"+sep, len(exprs)-1) + "%s', " + strings.Join(exprs, ", ") + ")"
}

// amountExprs are the amount columns of a block, with a table prefix.
func amountExprs(prefix string) []string {
	out := make([]string, len(amountCols))
	for i, c := range amountCols {
		out[i] = prefix + c
	}
	return out
}

// errPacked is returned (wrapped) when a packed column does not read back.
var errPacked = errors.New("malformed packed column")

// unpackInts reads n comma-separated integers from b into dst.
func unpackInts(b []byte, dst []int64) error {
	for i := range dst {
		end := bytes.IndexByte(b, ',')
		if end < 0 {
			end = len(b)
		}
		if i < len(dst)-1 && end == len(b) {
			return fmt.Errorf("%w: %d integers, want %d", errPacked, i+1, len(dst))
		}
		v, err := parseInt(b[:end])
		if err != nil {
			return err
		}
		dst[i] = v
		if end < len(b) {
			b = b[end+1:]
		} else {
			b = b[end:]
		}
	}
	if len(b) != 0 {
		return fmt.Errorf("%w: more than %d integers", errPacked, len(dst))
	}
	return nil
}

// parseInt parses a decimal integer without allocating; PostgreSQL may add
// a fraction of zeros to a sum (numeric), which is accepted.
func parseInt(b []byte) (int64, error) {
	if i := bytes.IndexByte(b, '.'); i >= 0 {
		for _, c := range b[i+1:] {
			if c != '0' {
				return 0, fmt.Errorf("%w: %q is not an integer", errPacked, b)
			}
		}
		b = b[:i]
	}
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 19 {
		return 0, fmt.Errorf("%w: %q", errPacked, b)
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("%w: %q", errPacked, b)
		}
		v = v*10 + uint64(c-'0')
	}
	if neg {
		if v > 1<<63 {
			return 0, fmt.Errorf("%w: %q out of range", errPacked, b)
		}
		return -int64(v), nil
	}
	if v > 1<<63-1 {
		return 0, fmt.Errorf("%w: %q out of range", errPacked, b)
	}
	return int64(v), nil
}

// setAmounts sets a from packed integers in column order.
func setAmounts(a *settlement.Amounts, v []int64) {
	for i, f := range settlement.AmountFields {
		*f.Get(a) = settlement.Won(v[i])
	}
}

// splitPacked splits a packTexts column into exactly n fields.
func splitPacked(s string, n int) ([]string, error) {
	parts := strings.SplitN(s, sep, n)
	if len(parts) != n {
		return nil, fmt.Errorf("%w: %d text fields, want %d", errPacked, len(parts), n)
	}
	return parts, nil
}

// ReportTransfer is one order or cancellation transfer as the workbook's
// detail sheets and the partner statement show it: the block, the terms it
// was settled with, where posting stands, PortOne's answer and the lines.
// Amounts are positive magnitudes for cancellations too (PortOne's
// convention).
type ReportTransfer struct {
	ID                  int64 // the settlement's row id
	BusinessDate        settlement.Date
	PartnerID           settlement.PartnerID
	PaymentID           settlement.PaymentID
	Kind                settlement.Kind
	CancellationID      settlement.CancellationID
	ContractID          string
	ContractVersion     int
	PolicyVersions      string // as stored: JSON of policy id → version, "" for none (DecodePolicyVersions)
	SettlementStartDate settlement.Date
	SettlementDate      settlement.Date
	Amounts             settlement.Amounts
	// At is when the payment was made (ORDER) or cancelled (ORDER_CANCEL).
	At time.Time
	// OrderName is the order name the record gave
	// (externalPaymentDetail.orderName), or "".
	OrderName      string
	IntentID       settlement.TransferID
	IntentStatus   IntentStatus // "" when the settlement has no intent
	TransferID     settlement.TransferID
	TransferStatus settlement.TransferStatus
	HasPortOne     bool
	PortOne        settlement.Won // PortOne's amount.settlement, positive for a cancel
	Lines          []ReportLine   // empty for a transfer registered by amount
}

// ReportLine is one line block of a ReportTransfer.
type ReportLine struct {
	LineNo      int
	ProductID   string
	ProductName string
	Quantity    int64
	Amounts     settlement.Amounts
	HasPortOne  bool
	PortOne     settlement.Won // PortOne's line amount.settlement
}

// DecodePolicyVersions reads ReportTransfer.PolicyVersions.
func DecodePolicyVersions(s string) (map[string]int, error) {
	if s == "" {
		return nil, nil
	}
	var m map[string]int
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("policy versions %q: %w", s, err)
	}
	return m, nil
}

// reportOrder is the order of the report read models: partner, settlement
// date, then the order the settlements were computed in.
const reportOrder = "s.partner_id, s.settlement_date, s.id"

// ReportTransfers streams the settlements q selects with their lines, one
// ReportTransfer at a time (reused: fn must not keep it), sorted by
// partner, settlement date and settlement id. One query serves it: the
// settlement's own columns come with its first line only, and the driver
// returns eight columns per line.
func (s *Store) ReportTransfers(ctx context.Context, q Query, fn func(*ReportTransfer) error) error {
	r, err := s.ReadReportTransfers(ctx, q)
	if err != nil {
		return err
	}
	defer r.Close()
	return r.Each(ctx, fn)
}

// ReportTransferRows are ReportTransfers' rows read ahead: on SQLite, for
// the workbook (every partner), the query has run into temporary files by
// the time ReadReportTransfers returns, so that the caller can read them
// while it does something else (the export reads them while the Summary
// is summed); otherwise Each runs the query.
type ReportTransferRows struct{ g *groupedRows }

// ReadReportTransfers reads ahead the rows of ReportTransfers(q). Close
// must be called.
func (s *Store) ReadReportTransfers(ctx context.Context, q Query) (*ReportTransferRows, error) {
	g, err := s.readReportGrouped(ctx, "report transfers", q, s.reportTransfersSQL, s.report.readers)
	if err != nil {
		return nil, err
	}
	return &ReportTransferRows{g: g}, nil
}

// Close removes the temporary files.
func (r *ReportTransferRows) Close() { r.g.close() }

// Each calls fn with each transfer as ReportTransfers does. It may be
// called once.
func (r *ReportTransferRows) Each(ctx context.Context, fn func(*ReportTransfer) error) error {
	var (
		t       ReportTransfer
		have    bool
		id      int64
		svRaw   sql.RawBytes
		saRaw   sql.RawBytes
		laRaw   sql.RawBytes
		at      instant
		name    sql.NullString
		lineNo  sql.NullInt64
		product sql.NullString
		pname   sql.NullString
		ints    = make([]int64, len(amountCols)+1)
		lints   = make([]int64, len(amountCols)+3)
	)
	err := r.g.each(ctx, func(rows rowScanner) error {
		if err := rows.Scan(&id, &svRaw, &saRaw, &at, &name, &lineNo, &product, &pname, &laRaw); err != nil {
			return fmt.Errorf("report transfers: %w", err)
		}
		if !have || id != t.ID {
			if have {
				if err := fn(&t); err != nil {
					return err
				}
			}
			if svRaw == nil {
				return fmt.Errorf("report transfers: settlement %d: its lines do not start at line 1", id)
			}
			lines := t.Lines[:0]
			t = ReportTransfer{ID: id, Lines: lines, At: at.Time, OrderName: name.String}
			if err := t.setFields(string(svRaw), saRaw, ints); err != nil {
				return fmt.Errorf("report transfers: settlement %d: %w", id, err)
			}
			have = true
		}
		if !lineNo.Valid {
			return nil
		}
		if err := unpackInts(laRaw, lints); err != nil {
			return fmt.Errorf("report transfers: settlement %d line %d: %w", id, lineNo.Int64, err)
		}
		l := ReportLine{LineNo: int(lineNo.Int64), ProductID: product.String, ProductName: pname.String, Quantity: lints[0],
			HasPortOne: lints[len(lints)-2] == 1, PortOne: settlement.Won(lints[len(lints)-1])}
		setAmounts(&l.Amounts, lints[1:1+len(amountCols)])
		t.Lines = append(t.Lines, l)
		return nil
	})
	if err != nil || !have {
		return err
	}
	return fn(&t)
}

// reportTransfersSQL is the SQL and arguments of ReportTransfers: in the
// report's order, or with ids, the settlements of that range in id order,
// the group key first (reportSettlements).
func (s *Store) reportTransfersSQL(q Query, ids *idRange) (string, []any) {
	key, from, where, order, args := s.reportSettlements(q, ids)
	first := "(l.line_no IS NULL OR l.line_no = 1)"
	whenFirst := func(e string) string { return "CASE WHEN " + first + " THEN " + e + " END" }
	isCancel := "s.kind = '" + string(settlement.KindOrderCancel) + "'"
	sv := s.packTexts("s.business_date", "s.partner_id", "s.payment_id", "s.kind", "s.cancellation_id", "s.contract_id",
		"s.contract_version", "s.settlement_start_date", "s.settlement_date", "s.policy_versions",
		"i.intent_id", "i.status", s.answerCol("transfer_id"), s.answerCol("status"), "CASE WHEN "+s.answerCol("id")+" IS NULL THEN '0' ELSE '1' END")
	sa := s.packInts(append(amountExprs("s."), s.answerCol("a_settlement"))...)
	la := s.packInts(append(append([]string{"l.quantity"}, amountExprs("l.")...), "CASE WHEN pl.id IS NULL THEN 0 ELSE 1 END", "pl.a_settlement")...)

	query := `SELECT ` + key + `s.id, ` + whenFirst(sv) + `, ` + whenFirst(sa) + `,
		` + whenFirst("CASE WHEN "+isCancel+" THEN c.cancelled_at ELSE o.paid_at END") + `,
		` + whenFirst("o.order_name") + `,
		l.line_no, l.product_id, l.product_name, ` + la + `
	FROM ` + from + `
	LEFT JOIN orders o ON o.id = s.order_ref
	LEFT JOIN cancellations c ON c.id = s.cancellation_ref` + s.reportAnswer("LEFT JOIN") + s.reportAnswerJoin() + `
	LEFT JOIN settlement_lines l ON l.settlement_ref = s.id
	LEFT JOIN portone_transfer_lines pl` + s.indexedBy("portone_transfer_lines_report") + ` ON pl.portone_transfer_ref = ` + s.answerCol("id") + ` AND pl.product_id = l.product_id
	WHERE ` + where + `
	ORDER BY ` + order + `, l.line_no`
	return query, args
}

// setFields sets a ReportTransfer's own fields from its packed columns.
func (t *ReportTransfer) setFields(sv string, sa []byte, ints []int64) error {
	f, err := splitPacked(sv, 15)
	if err != nil {
		return err
	}
	var bd, start, sd day
	for i, d := range []*day{&bd, &start, &sd} {
		if err := d.Scan(f[[]int{0, 7, 8}[i]]); err != nil {
			return err
		}
	}
	cv, err := strconv.Atoi(f[6])
	if err != nil {
		return fmt.Errorf("%w: contract version %q", errPacked, f[6])
	}
	t.BusinessDate, t.SettlementStartDate, t.SettlementDate = bd.date(), start.date(), sd.date()
	t.PartnerID, t.PaymentID, t.Kind, t.CancellationID = settlement.PartnerID(f[1]), settlement.PaymentID(f[2]), settlement.Kind(f[3]), settlement.CancellationID(f[4])
	t.ContractID, t.ContractVersion, t.PolicyVersions = f[5], cv, f[9]
	t.IntentID, t.IntentStatus = settlement.TransferID(f[10]), IntentStatus(f[11])
	t.TransferID, t.TransferStatus, t.HasPortOne = settlement.TransferID(f[12]), settlement.TransferStatus(f[13]), f[14] == "1"
	if err := unpackInts(sa, ints); err != nil {
		return err
	}
	setAmounts(&t.Amounts, ints[:len(amountCols)])
	t.PortOne = settlement.Won(ints[len(amountCols)])
	return nil
}

// ReportTotal is one row of the workbook's Summary: a partner's
// settlements falling on one settlement date, net of cancellations
// (orders − cancellations, field by field), as the database sums them.
type ReportTotal struct {
	PartnerID      settlement.PartnerID
	SettlementDate settlement.Date
	Orders         int
	Cancellations  int
	Amounts        settlement.Amounts
	// LongestID is the length in characters of the longest payment or
	// cancellation id among the transfers.
	LongestID int
}

// ReportTotals streams per partner and settlement date totals of the
// settlements q selects, ordered by partner then settlement date: the
// settlements alone, read through the index without a join. A sum beyond
// int64's range is an error of the database, never a wrapped value.
func (s *Store) ReportTotals(ctx context.Context, q Query, fn func(*ReportTotal) error) error {
	from, where, args, err := s.reportScope(ctx, q)
	if err != nil {
		return err
	}
	cancel := "s.kind = '" + string(settlement.KindOrderCancel) + "'"
	sg := "(CASE WHEN " + cancel + " THEN -1 ELSE 1 END)"
	sums := make([]string, 0, len(amountCols)+4)
	sums = append(sums, "SUM(CASE WHEN "+cancel+" THEN 0 ELSE 1 END)", "SUM(CASE WHEN "+cancel+" THEN 1 ELSE 0 END)")
	for _, c := range amountCols {
		sums = append(sums, "SUM("+sg+" * s."+c+")")
	}
	sums = append(sums, "MAX(LENGTH(s.payment_id))", "MAX(LENGTH(s.cancellation_id))")
	query := `SELECT s.partner_id, s.settlement_date, ` + s.packInts(sums...) + `
	FROM ` + from + `
	WHERE ` + where + `
	GROUP BY s.partner_id, s.settlement_date
	ORDER BY s.partner_id, s.settlement_date`
	var (
		t   ReportTotal
		d   day
		raw sql.RawBytes
		v   = make([]int64, len(sums))
	)
	return s.streamReport(ctx, "report totals", query, args, func(rows *sql.Rows) error {
		t = ReportTotal{}
		if err := rows.Scan(&t.PartnerID, &d, &raw); err != nil {
			return fmt.Errorf("report totals: %w", err)
		}
		if err := unpackInts(raw, v); err != nil {
			return fmt.Errorf("report totals of partner %s: %w", t.PartnerID, err)
		}
		n := len(amountCols)
		t.SettlementDate, t.Orders, t.Cancellations = d.date(), int(v[0]), int(v[1])
		setAmounts(&t.Amounts, v[2:2+n])
		t.LongestID = int(max(v[2+n], v[3+n]))
		return fn(&t)
	})
}

// ReportMismatch is one difference between our numbers and PortOne's with
// the transfer it is about.
type ReportMismatch struct {
	Mismatch
	Kind           settlement.Kind
	CancellationID settlement.CancellationID
	SettlementDate settlement.Date
}

// ReportMismatches streams the mismatches q selects (by business date)
// that are differences with PortOne: not the rejected records, and not the
// transfers we have not sent (pending, failed, conflict), which
// ProblemIntents lists; ordered by partner, settlement date, payment,
// product and field.
func (s *Store) ReportMismatches(ctx context.Context, q Query, fn func(*ReportMismatch) error) error {
	q.BySettlementDate = false
	where, args := q.where("m")
	query := `SELECT m.id, m.business_date, m.partner_id, m.payment_id, m.intent_id, m.transfer_id, m.product_id, m.reason, m.field,
		m.local_value, m.portone_value, m.diff, m.local_text, m.portone_text, m.recorded_at,
		COALESCE(i.kind, ''), COALESCE(i.cancellation_id, ''), COALESCE(s.settlement_date, '')
	FROM mismatches m
	LEFT JOIN transfer_intents i ON i.intent_id = m.intent_id
	LEFT JOIN settlements s ON s.id = i.settlement_ref
	WHERE ` + where + ` AND m.reason <> ?
		AND NOT (m.reason = ? AND COALESCE(i.status, '') IN (?, ?, ?))
	ORDER BY m.partner_id, COALESCE(s.settlement_date, ''), m.payment_id, m.product_id, m.field, m.id`
	args = append(args, string(settlement.RejectedRecord), string(settlement.MissingAtPortOne),
		string(IntentPending), string(IntentFailed), string(IntentConflict))
	var m ReportMismatch
	return s.stream(ctx, "report mismatches", query, args, func(rows *sql.Rows) error {
		m = ReportMismatch{}
		var d, sd day
		var rec instant
		var kind string
		if err := rows.Scan(&m.ID, &d, &m.PartnerID, &m.PaymentID, &m.IntentID, &m.TransferID, &m.ProductID, (*string)(&m.Reason), &m.Field,
			(*int64)(&m.Local), (*int64)(&m.PortOne), (*int64)(&m.Diff), &m.LocalText, &m.PortOneText, &rec,
			&kind, &m.CancellationID, &sd); err != nil {
			return fmt.Errorf("report mismatches: %w", err)
		}
		m.BusinessDate, m.RecordedAt, m.Kind, m.SettlementDate = d.date(), rec.Time, settlement.Kind(kind), sd.date()
		return fn(&m)
	})
}

// ReportStatus is one status change of a transfer with the transfer it is
// about.
type ReportStatus struct {
	StatusChange
	Kind                settlement.Kind
	PaymentID           settlement.PaymentID
	CancellationID      settlement.CancellationID
	SettlementStartDate settlement.Date
	SettlementDate      settlement.Date
	Settlement          settlement.Won // PortOne's amount.settlement, ours until it answered
}

// ReportHistory streams the status history of the transfers of the
// settlements q selects, by partner, settlement date, settlement and time,
// in one query.
func (s *Store) ReportHistory(ctx context.Context, q Query, fn func(*ReportStatus) error) error {
	var r ReportStatus
	var transferID, intentID, packed string
	var obs instant
	return s.streamReportGrouped(ctx, "report history", q, s.reportHistorySQL, func(rows rowScanner) error {
		r = ReportStatus{}
		if err := rows.Scan(&transferID, &intentID, &packed, (*int64)(&r.Settlement), &obs); err != nil {
			return fmt.Errorf("report history: %w", err)
		}
		r.TransferID, r.IntentID = settlement.TransferID(transferID), settlement.TransferID(intentID)
		f, err := splitPacked(packed, 9)
		if err != nil {
			return fmt.Errorf("report history of transfer %s: %w", r.TransferID, err)
		}
		var start, sd day
		if err := start.Scan(f[4]); err != nil {
			return err
		}
		if err := sd.Scan(f[5]); err != nil {
			return err
		}
		r.PartnerID, r.PaymentID, r.Kind, r.CancellationID = settlement.PartnerID(f[0]), settlement.PaymentID(f[1]), settlement.Kind(f[2]), settlement.CancellationID(f[3])
		r.SettlementStartDate, r.SettlementDate = start.date(), sd.date()
		r.From, r.To, r.Source, r.ObservedAt = settlement.TransferStatus(f[6]), settlement.TransferStatus(f[7]), f[8], obs.Time
		return fn(&r)
	})
}

// reportHistorySQL is the SQL and arguments of ReportHistory, as
// reportTransfersSQL.
func (s *Store) reportHistorySQL(q Query, ids *idRange) (string, []any) {
	key, from, where, order, args := s.reportSettlements(q, ids)
	query := `SELECT ` + key + `h.transfer_id, h.intent_id, ` + s.packTexts("s.partner_id", "s.payment_id", "s.kind", "s.cancellation_id",
		"s.settlement_start_date", "s.settlement_date", "h.from_status", "h.to_status", "h.source") + `,
		COALESCE(` + s.answerCol("a_settlement") + `, s.a_settlement), h.observed_at
	FROM ` + from + s.reportAnswer("JOIN") + `
	JOIN transfer_status_history h ON h.transfer_id = i.portone_transfer_id` + s.reportAnswerJoin() + `
	WHERE ` + where + `
	ORDER BY ` + order + `, h.observed_at, h.id`
	return query, args
}

// ProblemIntent is a transfer intent that needs a person, or a group of
// pending ones (Count > 1) of one partner and business date.
type ProblemIntent struct {
	Intent
	// Count is how many intents the row stands for: 1 for a failed or
	// conflicting one; for pending ones, all of the partner's on the date
	// (Intent then holds the one tried most).
	Count int
}

// ProblemIntents streams the intents of the business dates q selects that
// need a person: each failed and each conflicting intent, and the pending
// ones that are overdue (of a business date before stuckBefore) or have
// failed at least once, grouped by partner and business date. Ordered by
// partner, business date and id.
func (s *Store) ProblemIntents(ctx context.Context, q Query, stuckBefore settlement.Date, fn func(*ProblemIntent) error) error {
	q.BySettlementDate = false
	where, args := q.where("i")
	cols := `i.intent_id, i.partner_id, i.payment_id, i.kind, i.cancellation_id, i.business_date, i.status, i.attempts, i.last_error, i.updated_at`
	query := `SELECT ` + cols + `, 1 FROM transfer_intents i
	WHERE ` + where + ` AND i.status IN (?, ?)
	UNION ALL
	SELECT ` + cols + `, g.n FROM (
		SELECT i.partner_id AS pid, i.business_date AS bd, COUNT(*) AS n, MAX(i.id) AS last_id
		FROM transfer_intents i
		WHERE ` + where + ` AND i.status = ? AND (i.business_date < ? OR i.attempts > 0)
		GROUP BY i.partner_id, i.business_date) g
	JOIN transfer_intents i ON i.id = g.last_id
	ORDER BY 2, 6, 1`
	all := append(append([]any{}, args...), string(IntentFailed), string(IntentConflict))
	all = append(all, args...)
	all = append(all, string(IntentPending), day(stuckBefore))
	var p ProblemIntent
	return s.stream(ctx, "problem intents", query, all, func(rows *sql.Rows) error {
		p = ProblemIntent{}
		var kind, status string
		var bd day
		var upd instant
		if err := rows.Scan(&p.IntentID, &p.PartnerID, &p.PaymentID, &kind, &p.CancellationID, &bd, &status, &p.Attempts,
			&p.LastError, &upd, &p.Count); err != nil {
			return fmt.Errorf("problem intents: %w", err)
		}
		p.Kind, p.BusinessDate, p.Status, p.UpdatedAt = settlement.Kind(kind), bd.date(), IntentStatus(status), upd.Time
		return fn(&p)
	})
}

// UnsettledGroup is the accepted records of one partner and business date
// that are not settled yet.
type UnsettledGroup struct {
	PartnerID     settlement.PartnerID
	BusinessDate  settlement.Date
	Orders        int
	Cancellations int
	// FirstKey is the payment (or cancellation) id of one of them.
	FirstKey string
}

// UnsettledRecords streams, per partner and business date of q, the orders
// and cancellations accepted but not settled, ordered by partner and date.
// A record the settle job refused (a rejected record of source pipeline)
// is not counted: it is listed with its reason among the rejected ones.
func (s *Store) UnsettledRecords(ctx context.Context, q Query, fn func(*UnsettledGroup) error) error {
	q.BySettlementDate = false
	wo, ao := q.where("o")
	wc, ac := q.where("c")
	refused := func(partner, key string) string {
		return `NOT EXISTS (SELECT 1 FROM rejected_records r WHERE r.partner_id = ` + partner + ` AND r.record_key = ` + key +
			` AND r.source = '` + string(SourcePipeline) + `')`
	}
	query := `SELECT pid, bd, SUM(n_orders), SUM(n_cancels), MIN(k) FROM (
		SELECT o.partner_id AS pid, o.business_date AS bd, COUNT(*) AS n_orders, 0 AS n_cancels, MIN(o.payment_id) AS k
		FROM orders o WHERE EXISTS (SELECT 1 FROM unsettled_orders uo WHERE uo.business_date = o.business_date AND uo.id = o.id) AND ` + wo + ` AND ` + refused("o.partner_id", "o.payment_id") + `
		GROUP BY o.partner_id, o.business_date
		UNION ALL
		SELECT c.partner_id, c.business_date, 0, COUNT(*), MIN(c.cancellation_id)
		FROM cancellations c WHERE c.settled = 0 AND ` + wc + ` AND ` + refused("c.partner_id", "c.cancellation_id") + `
		GROUP BY c.partner_id, c.business_date) u
	GROUP BY pid, bd ORDER BY pid, bd`
	var g UnsettledGroup
	return s.stream(ctx, "unsettled records", query, append(ao, ac...), func(rows *sql.Rows) error {
		g = UnsettledGroup{}
		var bd day
		if err := rows.Scan(&g.PartnerID, &bd, &g.Orders, &g.Cancellations, &g.FirstKey); err != nil {
			return fmt.Errorf("unsettled records: %w", err)
		}
		g.BusinessDate = bd.date()
		return fn(&g)
	})
}

// TermsCatalog is every stored version of every contract and policy, for
// the reports to say which terms a settlement was computed with. The
// tables hold a few versions per contract and policy, so the catalog is
// small.
type TermsCatalog struct {
	Contracts     map[TermsKey]Versioned[settlement.Contract]
	SharePolicies map[TermsKey]Versioned[settlement.DiscountSharePolicy]
	FeePolicies   map[TermsKey]Versioned[settlement.AdditionalFeePolicy]
}

// TermsKey is one version of a contract or policy.
type TermsKey struct {
	ID      string
	Version int
}

// Terms returns every stored version of every contract and policy.
func (s *Store) Terms(ctx context.Context) (TermsCatalog, error) {
	c := TermsCatalog{Contracts: map[TermsKey]Versioned[settlement.Contract]{},
		SharePolicies: map[TermsKey]Versioned[settlement.DiscountSharePolicy]{}, FeePolicies: map[TermsKey]Versioned[settlement.AdditionalFeePolicy]{}}
	var crows []contractRow
	if err := s.r(ctx).Find(&crows).Error; err != nil {
		return c, fmt.Errorf("contracts: %w", err)
	}
	for _, r := range crows {
		v, err := r.contract()
		if err != nil {
			return c, err
		}
		c.Contracts[TermsKey{r.ContractID, int(r.Version)}] = v
	}
	var srows []discountSharePolicyRow
	if err := s.r(ctx).Find(&srows).Error; err != nil {
		return c, fmt.Errorf("discount share policies: %w", err)
	}
	for _, r := range srows {
		c.SharePolicies[TermsKey{r.PolicyID, int(r.Version)}] = Versioned[settlement.DiscountSharePolicy]{Version: int(r.Version), AppliedAt: r.AppliedAt,
			Value: settlement.DiscountSharePolicy{ID: r.PolicyID, Name: r.Name, PartnerShareRate: settlement.Rate(r.PartnerShareRate)}}
	}
	var frows []additionalFeePolicyRow
	if err := s.r(ctx).Find(&frows).Error; err != nil {
		return c, fmt.Errorf("additional fee policies: %w", err)
	}
	for _, r := range frows {
		c.FeePolicies[TermsKey{r.PolicyID, int(r.Version)}] = Versioned[settlement.AdditionalFeePolicy]{Version: int(r.Version), AppliedAt: r.AppliedAt,
			Value: settlement.AdditionalFeePolicy{ID: r.PolicyID, Name: r.Name, VatPayer: settlement.Payer(r.VatPayer),
				Fee: settlement.Fee{Kind: settlement.FeeKind(r.FeeKind), Rate: settlement.Rate(r.FeeRate), Amount: settlement.Won(r.FeeAmount)}}}
	}
	return c, nil
}

// PartnerProfile is what the reports say about a partner: its name and
// PortOne's partner type (BUSINESS, WHT_PAYER, NON_WHT_PAYER), read from
// the stored partner (never its account).
type PartnerProfile struct {
	ID          settlement.PartnerID
	Name        string
	Type        string
	CompanyName string
}

// PartnerProfiles returns every stored partner's profile.
func (s *Store) PartnerProfiles(ctx context.Context) (map[settlement.PartnerID]PartnerProfile, error) {
	var rows []partnerRow
	if err := s.r(ctx).Select("partner_id", "name", "raw_json").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("partners: %w", err)
	}
	out := make(map[settlement.PartnerID]PartnerProfile, len(rows))
	for _, r := range rows {
		p := PartnerProfile{ID: r.PartnerID, Name: r.Name}
		var raw struct {
			Type struct {
				Type        string `json:"type"`
				CompanyName string `json:"companyName"`
			} `json:"type"`
		}
		if r.RawJSON != "" && json.Unmarshal([]byte(r.RawJSON), &raw) == nil {
			p.Type, p.CompanyName = raw.Type.Type, raw.Type.CompanyName
		}
		out[r.PartnerID] = p
	}
	return out, nil
}

// streamReport is stream for the report read models: on SQLite the query
// runs on a read connection of its own.
func (s *Store) streamReport(ctx context.Context, what, query string, args []any, scan func(*sql.Rows) error) error {
	return s.streamReportCache(ctx, 0, what, query, args, scan)
}

// streamReportCache is streamReport with a page cache of cacheKiB on the
// connection while the query runs (0: SQLite's default).
func (s *Store) streamReportCache(ctx context.Context, cacheKiB int, what, query string, args []any, scan func(*sql.Rows) error) error {
	if s.dialect != SQLite {
		return s.stream(ctx, what, query, args, scan)
	}
	db, err := s.rdb.DB()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer conn.Close()
	if cacheKiB > 0 {
		if _, err := conn.ExecContext(ctx, "PRAGMA cache_size = -"+strconv.Itoa(cacheKiB)); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		// SQLite's default again before the connection goes back to the
		// pool, which frees the pages beyond it.
		defer func() { _, _ = conn.ExecContext(context.Background(), "PRAGMA cache_size = -2000") }()
	}
	// The query runs under a context that is never cancelled (quiet: the
	// driver's goroutine per row was 12 % of an export's CPU); the loop
	// looks for a cancel before each row instead (a few nanoseconds).
	rows, err := conn.QueryContext(quiet(ctx), query, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return scanRows(ctx, what, rows, scan)
}
