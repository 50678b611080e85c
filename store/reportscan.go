package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strconv"
)

// idRange is the settlement ids a report query reads in id order.
type idRange struct{ lo, hi int64 }

// reportSettlements is the settlements part of a report query selecting
// q: the group key column (with a trailing comma), the FROM item, the
// WHERE condition, the start of the ORDER BY and the arguments. With ids
// nil the settlements come in the report's order through settlements_report;
// otherwise they are read by id from lo to hi, in id order, and the first
// column is the group key for a rowSpool, partner and settlement date.
func (s *Store) reportSettlements(q Query, ids *idRange) (key, from, where, order string, args []any) {
	where, args = q.where("s")
	if ids == nil {
		return "", "settlements s", where, reportOrder, args
	}
	// NOT INDEXED keeps the planner on the rowid range: through
	// settlements_report it would read them by partner.
	return s.packTexts("s.partner_id", "s.settlement_date") + ", ", "settlements s NOT INDEXED",
		where + " AND s.id BETWEEN ? AND ?", "s.id", append(args, ids.lo, ids.hi)
}

// writtenOrder says whether a report query of q reads the settlements in
// the order they were written and puts them in the report's order
// itself (streamReportGrouped). That is on SQLite, for a selection by
// business date of every partner (the workbook): a partner's statement
// reads one partner's settlements, which the index finds among the
// others, and PostgreSQL reads its heap pages ahead and caches them
// itself (its queries stay as they were).
func (s *Store) writtenOrder(q Query) bool {
	return s.dialect == SQLite && q.PartnerID == "" && !q.BySettlementDate
}

// streamReportGrouped runs the report query that build makes for q and
// calls scan with each of its rows, in the report's order: partner,
// settlement date, settlement id, then the query's own order. Where
// writtenOrder says so, the query reads the settlements in id order and a
// rowSpool puts its rows in the report's order; otherwise the database
// sorts.
func (s *Store) streamReportGrouped(ctx context.Context, what string, q Query, build func(Query, *idRange) (string, []any),
	scan func(rowScanner) error) error {
	if !s.writtenOrder(q) {
		query, args := build(q, nil)
		return s.streamReport(ctx, what, query, args, func(rows *sql.Rows) error { return scan(rows) })
	}
	ids, err := s.reportIDs(ctx, q)
	if err != nil || ids == nil {
		return err
	}
	query, args := build(q, ids)
	sp := newRowSpool(spoolBudget)
	defer sp.close()
	if err := s.streamReport(ctx, what, query, args, sp.add); err != nil {
		return err
	}
	return sp.each(ctx, scan)
}

// reportIDs is the range of the ids of the settlements q selects, nil for
// none: a scan of their entries in settlements_report.
func (s *Store) reportIDs(ctx context.Context, q Query) (*idRange, error) {
	where, args := q.where("s")
	var lo, hi sql.NullInt64
	row := s.r(ctx).Raw(`SELECT MIN(s.id), MAX(s.id) FROM settlements s`+s.indexedBy("settlements_report")+` WHERE `+where, args...).Row()
	if err := row.Scan(&lo, &hi); err != nil {
		return nil, fmt.Errorf("report settlements: %w", err)
	}
	if !lo.Valid {
		return nil, nil
	}
	return &idRange{lo.Int64, hi.Int64}, nil
}

// reportCacheKiB is the page cache of a report query's connection, in
// KiB, beyond the mapped start of the file (reportMmap). Read in id order,
// the tables of the join are read forward, but PortOne's transfers and
// the status history are found through indexes by transfer id, which is
// random: their index pages (about 90 MB each at a million orders) are
// read once each if they stay in the cache, and again for nearly every
// row if not (the default cache is 2 MB). The cache is bounded, and given
// back when the query ends.
var reportCacheKiB = envInt("SETTLE_REPORT_CACHE_KIB", 128<<10)

// reportCache sets the page cache of a report query's connection.
func reportCache(ctx context.Context, conn *sql.Conn) error {
	_, err := conn.ExecContext(ctx, "PRAGMA cache_size = -"+strconv.Itoa(reportCacheKiB))
	return err
}

// resetCache gives the connection SQLite's default cache again (which
// frees the pages beyond it) before it goes back to the pool.
func resetCache(conn *sql.Conn) {
	_, _ = conn.ExecContext(context.Background(), "PRAGMA cache_size = -2000")
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v >= 0 {
		return v
	}
	return def
}
