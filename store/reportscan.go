package store

import (
	"context"
	"database/sql"
	"fmt"

	"golang.org/x/sync/errgroup"
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
// writtenOrder says so, the query reads the settlements in id order and
// rowSpools put its rows in the report's order; otherwise the database
// sorts.
func (s *Store) streamReportGrouped(ctx context.Context, what string, q Query, build func(Query, *idRange) (string, []any),
	scan func(rowScanner) error) error {
	g, err := s.readReportGrouped(ctx, what, q, build, 1)
	if err != nil {
		return err
	}
	defer g.close()
	return g.each(ctx, scan)
}

// groupedRows are the rows of a report query read ahead into rowSpools
// (readReportGrouped), or, where writtenOrder says no, the query to stream
// when each is called.
type groupedRows struct {
	s      *Store
	what   string
	q      Query
	build  func(Query, *idRange) (string, []any)
	spools []*rowSpool // by id range, in id order; nil: stream the sorted query
	none   bool        // q selects no settlement
}

// reportReaders is how many connections read the id range of the
// workbook's transfers at once on SQLite, each a slice of the ids into a
// rowSpool of its own (SQLite runs a query on one core). One: measured at
// 100k orders on an idle machine (2026-12-01 06:51-06:53, six runs each),
// two readers took 4.42 s against one's 4.60 s (median) but 0.6 s more CPU
// (7.75 s against 7.1 s: each connection reads the random-access index
// pages of intents, PortOne's transfers and lines into a cache of its own)
// and 35 MB more RSS; with the machine shared (load 2-4) they were no
// faster. Not measured at a million orders, where each connection's cache
// would hold half of what one's does.
// reportSplitMin is the fewest ids a slice is worth.
const (
	reportReaders  = 1
	reportSplitMin = int64(4096)
)

// readReportGrouped runs the report query that build makes for q into
// rowSpools where writtenOrder says so (the id range in up to readers
// slices, each on a connection of its own, at once), ready to be handed
// out in the report's order by each; otherwise it reads nothing yet.
// close must be called.
func (s *Store) readReportGrouped(ctx context.Context, what string, q Query, build func(Query, *idRange) (string, []any),
	readers int) (*groupedRows, error) {
	g := &groupedRows{s: s, what: what, q: q, build: build}
	if !s.writtenOrder(q) {
		return g, nil
	}
	ids, err := s.reportIDs(ctx, q)
	if err != nil {
		return nil, err
	}
	if ids == nil {
		g.none = true
		return g, nil
	}
	slices := splitIDs(*ids, readers, s.report.splitMin)
	g.spools = make([]*rowSpool, len(slices))
	for i := range g.spools {
		g.spools[i] = newRowSpool(s.report.spoolBudget)
	}
	if err := readSlices(ctx, slices, func(ctx context.Context, i int, r idRange) error {
		query, args := build(q, &r)
		return s.streamReportCache(ctx, reportCacheKiB(&r), what, query, args, g.spools[i].add)
	}); err != nil {
		g.close()
		return nil, err
	}
	return g, nil
}

// each calls scan with every row in the report's order: the spooled rows
// group by group, each group's rows slice by slice (so in id order), or
// the rows of the sorted query as the database streams them.
func (g *groupedRows) each(ctx context.Context, scan func(rowScanner) error) error {
	if g.none {
		return nil
	}
	if g.spools == nil {
		query, args := g.build(g.q, nil)
		return g.s.streamReport(ctx, g.what, query, args, func(rows *sql.Rows) error { return scan(rows) })
	}
	return eachSpooled(ctx, g.spools, scan)
}

// close removes the spools' temporary files.
func (g *groupedRows) close() {
	for _, sp := range g.spools {
		sp.close()
	}
}

// readSlices calls read with each slice at once, each on a goroutine of
// its own (errgroup), and returns the first failure; a failure cancels the
// others, whose cancel is not returned.
func readSlices(ctx context.Context, slices []idRange, read func(context.Context, int, idRange) error) error {
	if len(slices) == 1 {
		return read(ctx, 0, slices[0])
	}
	g, gctx := errgroup.WithContext(ctx)
	for i, r := range slices {
		g.Go(func() error { return read(gctx, i, r) })
	}
	return g.Wait()
}

// splitIDs splits r into at most n ranges of at least least ids each, in
// order, covering r.
func splitIDs(r idRange, n int, least int64) []idRange {
	size := r.hi - r.lo + 1
	n = int(max(1, min(int64(n), size/max(least, 1))))
	out := make([]idRange, 0, n)
	lo := r.lo
	for i := range n {
		hi := r.lo + size*int64(i+1)/int64(n) - 1
		out = append(out, idRange{lo, hi})
		lo = hi + 1
	}
	return out
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
