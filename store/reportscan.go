package store

import (
	"context"
	"database/sql"
	"fmt"
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
	if err := s.streamReportCache(ctx, reportCacheKiB(ids), what, query, args, sp.add); err != nil {
		return err
	}
	return sp.each(ctx, scan)
}

// reportScope is the FROM item and the WHERE condition (with its
// arguments) of a query of the settlements q selects that reads them
// without an order (an aggregate): by id where writtenOrder says so, a
// forward read of the table, rather than row by row in the order of
// settlements_report, which visits the table's pages partner by partner.
func (s *Store) reportScope(ctx context.Context, q Query) (from, where string, args []any, err error) {
	if s.writtenOrder(q) {
		ids, err := s.reportIDs(ctx, q)
		if err != nil {
			return "", "", nil, err
		}
		if ids != nil {
			_, from, where, _, args = s.reportSettlements(q, ids)
			return from, where, args, nil
		}
	}
	where, args = q.where("s")
	return "settlements s", where, args, nil
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

// reportCacheKiB is the page cache of a report query's connection that
// reads ids settlements in id order, in KiB. Read in id order, the tables
// of the join are read forward, but PortOne's transfers and the status
// history are found through indexes by transfer id, which is random:
// their index pages (about 80 and 60 bytes an entry) are read once each
// if they stay in the cache, and again for nearly every row if not
// (SQLite's default cache is 2 MB). Each page the cache takes costs a page
// fault once, which on a virtual machine is dear (~20 µs measured here,
// about the price of reading the page again), so the cache grows with the
// night instead of being large at once: 200 bytes per settlement, from
// SQLite's default to 256 MiB.
//
// It replaces the memory map of the file's first 256 MiB the report
// queries had (reportMmap, which spared a system call per page there):
// each page mapped cost a fault too, each connection mapped it, so two
// queries at once counted it twice in the RSS, and it covered a thirtieth
// of a 7 GB night. Measured at a million orders (load ~8): map 256 MiB and
// cache 128 MiB, 137.6 s CPU and 872 MB RSS; no map and cache 256 MiB,
// 110.6 s CPU and 774 MB.
func reportCacheKiB(ids *idRange) int {
	return int(min(max((ids.hi-ids.lo+1)*200/1024, 2000), 256<<10))
}
