package store

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
)

// rowSpool puts the rows of a report query, read in the order the
// settlements were written (by id), into report order: grouped by a key
// (partner and settlement date, whose byte order is the order SQLite's
// BINARY collation gives) and, within a group, in the order they came. The
// report read models used to ask SQLite for their rows partner by partner,
// which made every join a random page read: a night's settlements,
// orders, lines and intents interleave the partners, so each page was read
// again for each partner on it, and at a million orders (a 7 GB file) the
// pages no longer stayed in any cache. Read by id, every table of the join
// is read forward, about once per page; the spool then hands the rows out
// group by group, which is a bucket sort: no comparison of rows, one pass
// over them.
//
// Memory is bounded: rows are kept in a chunk of at most budget bytes;
// a full chunk is written to a temporary file, each group's rows
// together (one segment per group and chunk), and read back segment by
// segment in each. Only the group keys and the segments' places stay in
// memory.
type rowSpool struct {
	budget int
	keys   map[string]int32
	groups []spoolGroup
	cols   int // columns per row, the key not counted
	vals   []any
	ptrs   []any

	arena []byte     // the current chunk's rows, back to back
	rows  []spoolRow // the group and end in arena of each row of the chunk

	file *os.File
	size int64 // bytes written to file
	w    *bufio.Writer
}

// spoolGroup is one key's rows: segments of the file, in the order they
// were written, then the last chunk's rows, still in memory.
type spoolGroup struct {
	key  string
	segs []spoolSegment
}

type spoolSegment struct {
	off, n int64 // where the segment is in the file
	rows   []int // or the rows of the last chunk, which stays in memory
}

type spoolRow struct {
	group int32
	end   int
}

// spoolBudget is the memory a rowSpool keeps rows in before it writes
// them to its file: 8 MiB, about 40,000 rows of the transfers report.
const spoolBudget = 8 << 20

func newRowSpool(budget int) *rowSpool {
	return &rowSpool{budget: budget, keys: map[string]int32{}}
}

// add reads the current row of rows, whose first column is the group key
// (text) and the others the row to hand out.
func (sp *rowSpool) add(rows *sql.Rows) error {
	if sp.ptrs == nil {
		cols, err := rows.Columns()
		if err != nil {
			return err
		}
		if len(cols) < 1 {
			return errors.New("spooled query has no group key")
		}
		sp.vals = make([]any, len(cols))
		sp.ptrs = make([]any, len(cols))
		for i := range sp.vals {
			sp.ptrs[i] = &sp.vals[i]
		}
	}
	if err := rows.Scan(sp.ptrs...); err != nil {
		return err
	}
	var key string
	switch k := sp.vals[0].(type) {
	case string:
		key = k
	case []byte:
		key = string(k)
	default:
		return fmt.Errorf("spooled query's group key is %T, want text", k)
	}
	return sp.addRow(key, sp.vals[1:])
}

// addRow appends a row of group key; every row has the same number of
// columns, at least one.
func (sp *rowSpool) addRow(key string, vals []any) error {
	if sp.cols == 0 {
		if len(vals) == 0 {
			return errors.New("spooled row has no columns")
		}
		sp.cols = len(vals)
	}
	if len(vals) != sp.cols {
		return fmt.Errorf("spooled row has %d columns, want %d", len(vals), sp.cols)
	}
	g, ok := sp.keys[key]
	if !ok {
		g = int32(len(sp.groups))
		sp.keys[key] = g
		sp.groups = append(sp.groups, spoolGroup{key: key})
	}
	sp.reserve(4 << 10)
	var err error
	if sp.arena, err = appendValues(sp.arena, vals); err != nil {
		return err
	}
	sp.rows = append(sp.rows, spoolRow{group: g, end: len(sp.arena)})
	if len(sp.arena) >= sp.budget {
		return sp.flush(false)
	}
	return nil
}

// reserve makes room in the arena for n more bytes (a longer row grows it
// as append does). Past 1 MiB it grows to the budget at once: append's
// steps of a quarter copied the chunk into fresh memory over and over,
// and fresh memory costs a page fault a page, which on a virtual machine
// is dear (growslice was 5 % of an export's CPU at 100k orders).
func (sp *rowSpool) reserve(n int) {
	if len(sp.arena)+n <= cap(sp.arena) {
		return
	}
	c := max(2*cap(sp.arena), 64<<10, len(sp.arena)+n)
	if c > 1<<20 {
		c = max(c, sp.budget+n)
	}
	a := make([]byte, len(sp.arena), c)
	copy(a, sp.arena)
	sp.arena = a
}

// flush writes the chunk's rows to the file, group by group, one segment
// per group. The last chunk (last) stays in memory: its segments are the
// rows' indexes in the chunk.
func (sp *rowSpool) flush(last bool) error {
	if len(sp.rows) == 0 {
		return nil
	}
	// A counting sort of the chunk's rows by group, stable.
	first := make([]int, len(sp.groups)+1)
	for _, r := range sp.rows {
		first[r.group+1]++
	}
	for g := 1; g < len(first); g++ {
		first[g] += first[g-1]
	}
	next := slices.Clone(first[:len(sp.groups)])
	order := make([]int, len(sp.rows))
	for i, r := range sp.rows {
		order[next[r.group]] = i
		next[r.group]++
	}
	if !last && sp.file == nil {
		f, err := os.CreateTemp("", ".settle-report-*")
		if err != nil {
			return fmt.Errorf("temporary file for the report's rows: %w", err)
		}
		sp.file, sp.w = f, bufio.NewWriterSize(f, 256<<10)
	}
	for g := range sp.groups {
		rows := order[first[g]:first[g+1]]
		if len(rows) == 0 {
			continue
		}
		if last {
			sp.groups[g].segs = append(sp.groups[g].segs, spoolSegment{rows: rows})
			continue
		}
		seg := spoolSegment{off: sp.size}
		for _, i := range rows {
			row := sp.row(i)
			seg.n += int64(len(row))
			if _, err := sp.w.Write(row); err != nil {
				return fmt.Errorf("temporary file for the report's rows: %w", err)
			}
		}
		sp.size += seg.n
		sp.groups[g].segs = append(sp.groups[g].segs, seg)
	}
	if last {
		return nil
	}
	if err := sp.w.Flush(); err != nil {
		return fmt.Errorf("temporary file for the report's rows: %w", err)
	}
	sp.arena, sp.rows = sp.arena[:0], sp.rows[:0]
	return nil
}

// row is the i-th row of the chunk.
func (sp *rowSpool) row(i int) []byte {
	begin := 0
	if i > 0 {
		begin = sp.rows[i-1].end
	}
	return sp.arena[begin:sp.rows[i].end]
}

// each hands out the rows group by group, in the byte order of the keys,
// each group's rows in the order they were added, to fn, which reads a
// row with the rowScanner's Scan as it would read a row of the query.
// It stops with ctx's error at the row after a cancel.
func (sp *rowSpool) each(ctx context.Context, fn func(rowScanner) error) error {
	return eachSpooled(ctx, []*rowSpool{sp}, fn)
}

// eachSpooled is each over several spools that read slices of one query
// (readReportGrouped): group by group in the byte order of the keys, and
// within a group the rows of the first spool, then of the second, … each
// in the order they were added.
func eachSpooled(ctx context.Context, spools []*rowSpool, fn func(rowScanner) error) error {
	var keys []string
	for _, sp := range spools {
		if err := sp.flush(true); err != nil {
			return err
		}
		for _, g := range sp.groups {
			keys = append(keys, g.key)
		}
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	rows := make([]*spooledRow, len(spools))
	for i, sp := range spools {
		rows[i] = &spooledRow{vals: make([]spoolValue, sp.cols)}
	}
	var buf []byte
	for _, key := range keys {
		for i, sp := range spools {
			g, ok := sp.keys[key]
			if !ok {
				continue
			}
			var err error
			if buf, err = sp.eachOf(ctx, g, rows[i], buf, fn); err != nil {
				return err
			}
		}
	}
	return nil
}

// eachOf hands out the rows of group g through r, reading the segments in
// the file into buf (returned, grown as needed).
func (sp *rowSpool) eachOf(ctx context.Context, g int32, r *spooledRow, buf []byte, fn func(rowScanner) error) ([]byte, error) {
	for _, seg := range sp.groups[g].segs {
		if seg.rows != nil { // the last chunk's, in memory
			for _, i := range seg.rows {
				r.rest = sp.row(i)
				if err := r.hand(ctx, fn); err != nil {
					return buf, err
				}
			}
			continue
		}
		if int64(cap(buf)) < seg.n {
			buf = make([]byte, seg.n)
		}
		b := buf[:seg.n]
		if _, err := sp.file.ReadAt(b, seg.off); err != nil {
			return buf, fmt.Errorf("temporary file for the report's rows: %w", err)
		}
		for r.rest = b; len(r.rest) > 0; {
			if err := r.hand(ctx, fn); err != nil {
				return buf, err
			}
		}
	}
	return buf, nil
}

// hand gives fn the row at the start of r.rest and moves past it.
func (r *spooledRow) hand(ctx context.Context, fn func(rowScanner) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r.unread = true
	if err := fn(r); err != nil {
		return err
	}
	if r.unread { // fn did not read the row: skip it
		return r.Scan()
	}
	return nil
}

// close removes the temporary file.
func (sp *rowSpool) close() {
	if sp.file != nil {
		sp.file.Close()
		os.Remove(sp.file.Name())
	}
}

// rowScanner is a row of a query: *sql.Rows, or a spooledRow.
type rowScanner interface {
	Scan(dest ...any) error
}

// spooledRow reads the rows of a segment one at a time.
type spooledRow struct {
	rest   []byte
	vals   []spoolValue
	unread bool
}

// spoolValue is a value as spooled; b points into the segment.
type spoolValue struct {
	tag byte
	i   int64
	f   float64
	b   []byte
}

// driver is the value as the driver gave it.
func (v *spoolValue) driver() any {
	switch v.tag {
	case tagInt:
		return v.i
	case tagText:
		return string(v.b)
	case tagBlob:
		return slices.Clone(v.b)
	case tagFloat:
		return v.f
	}
	return nil
}

// Scan reads the next row into dest, which are sql.Scanners, *int64,
// *string, *sql.RawBytes or *any, as database/sql would from the values
// the driver gave. Scan with no dest skips the row.
func (r *spooledRow) Scan(dest ...any) error {
	if !r.unread {
		return errors.New("spooled row: read twice")
	}
	r.unread = false
	var err error
	if r.rest, err = readValues(r.rest, r.vals); err != nil {
		return err
	}
	if dest == nil {
		return nil
	}
	if len(dest) != len(r.vals) {
		return fmt.Errorf("spooled row: %d destinations for %d columns", len(dest), len(r.vals))
	}
	for i, d := range dest {
		if err := assignValue(d, &r.vals[i]); err != nil {
			return fmt.Errorf("spooled row: column %d: %w", i, err)
		}
	}
	return nil
}

// assignValue is database/sql's conversion of a driver value v into dst,
// for the destinations the report read models use.
func assignValue(dst any, v *spoolValue) error {
	switch d := dst.(type) {
	case sql.Scanner:
		return d.Scan(v.driver())
	case *any:
		*d = v.driver()
		return nil
	case *sql.RawBytes:
		switch v.tag {
		case tagNull:
			*d = nil
			return nil
		case tagText, tagBlob:
			*d = append((*d)[:0], v.b...)
			return nil
		}
	case *string:
		if v.tag == tagText || v.tag == tagBlob {
			*d = string(v.b)
			return nil
		}
	case *int64:
		if v.tag == tagInt {
			*d = v.i
			return nil
		}
	}
	return fmt.Errorf("%T into %T", v.driver(), dst)
}

// The tags of a spooled value.
const (
	tagNull byte = iota
	tagInt
	tagText
	tagBlob
	tagFloat
)

// appendValues appends vals, values a driver gives, to b.
func appendValues(b []byte, vals []any) ([]byte, error) {
	for _, v := range vals {
		switch x := v.(type) {
		case nil:
			b = append(b, tagNull)
		case int64:
			b = binary.AppendVarint(append(b, tagInt), x)
		case string:
			b = append(binary.AppendUvarint(append(b, tagText), uint64(len(x))), x...)
		case []byte:
			b = append(binary.AppendUvarint(append(b, tagBlob), uint64(len(x))), x...)
		case float64:
			b = binary.LittleEndian.AppendUint64(append(b, tagFloat), math.Float64bits(x))
		default:
			return b, fmt.Errorf("spooled row: a value of type %T", v)
		}
	}
	return b, nil
}

// errSpooled is the error of a spooled row that does not read back.
var errSpooled = errors.New("spooled row does not read back")

// readValues reads len(vals) values that appendValues wrote from b.
func readValues(b []byte, vals []spoolValue) ([]byte, error) {
	for i := range vals {
		if len(b) == 0 {
			return b, fmt.Errorf("%w: %w", errSpooled, io.ErrUnexpectedEOF)
		}
		v := spoolValue{tag: b[0]}
		b = b[1:]
		switch v.tag {
		case tagNull:
		case tagInt:
			x, n := binary.Varint(b)
			if n <= 0 {
				return b, errSpooled
			}
			v.i, b = x, b[n:]
		case tagText, tagBlob:
			l, n := binary.Uvarint(b)
			if n <= 0 || uint64(len(b)-n) < l {
				return b, errSpooled
			}
			v.b, b = b[n:n+int(l):n+int(l)], b[n+int(l):]
		case tagFloat:
			if len(b) < 8 {
				return b, errSpooled
			}
			v.f, b = math.Float64frombits(binary.LittleEndian.Uint64(b)), b[8:]
		default:
			return b, fmt.Errorf("%w: tag %d", errSpooled, v.tag)
		}
		vals[i] = v
	}
	return b, nil
}
