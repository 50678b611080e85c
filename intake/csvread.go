package intake

import (
	"context"
	"fmt"
	"hash/maphash"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/settle-dev/settle/settlement"
)

// A CSV record is several rows, so a CSV file can do what no JSON line
// can: deliver half a record. Rows of one record that are not consecutive,
// or a row that cannot be read, would leave the rows around the fault
// looking like a complete (smaller) order. So readCSV reads the file twice:
//
//   - pass 1 (scanCSV) learns every record's rows: which keys come back
//     after another record (split), and which records each unreadable row
//     sits next to (it may be one of their rows);
//   - pass 2 groups the rows into records and rejects, whole, every record
//     that is split, that a malformed row belongs to or may belong to, or
//     that has any bad row; every bad row is reported with its line.
//
// Nothing of a rejected record is stored, so the corrected file imports
// cleanly. A reader that cannot seek (standard input) is spooled to a
// temporary file first.

// csvKey is what makes rows one record: partner, payment and cancellation.
func csvKey(h *csvHeader, fields []string) string {
	return h.get(fields, "partnerId") + "\x00" + h.get(fields, "paymentId") + "\x00" + h.get(fields, "cancellationId")
}

type lineRange struct{ from, to int }

func (r lineRange) String() string {
	if r.from == r.to {
		return fmt.Sprint(r.from)
	}
	return fmt.Sprintf("%d–%d", r.from, r.to)
}

// keyRuns are the runs of consecutive rows of one key: more is set when
// the key comes back after another record's rows.
type keyRuns struct {
	first lineRange
	more  []lineRange
}

func (k keyRuns) lines() string {
	parts := []string{k.first.String()}
	for _, r := range k.more {
		parts = append(parts, r.String())
	}
	return strings.Join(parts, ", ")
}

// csvScan is what pass 1 learns. Keys are kept as 64-bit hashes, so that
// pass 1 holds a few words per record however large the file; a collision
// can only reject a record, never accept half of one.
type csvScan struct {
	seed     maphash.Seed
	runs     map[uint64]keyRuns
	attached map[int]uint64   // line of a malformed row → the key it belongs to
	poison   map[uint64][]int // key → lines of unreadable rows next to its rows
}

func (s *csvScan) hash(key string) uint64 { return maphash.String(s.seed, key) }

// csvLine is one logical CSV line (record) as read.
type csvLine struct {
	line   int
	fields []string // nil when the line cannot be split
	raw    []byte
	perr   *settlement.Error // the line cannot be read
}

// rows reads the header and then calls fn for each data line. A header
// problem is returned as hprob (nothing else can be read).
func csvLines(ctx context.Context, r io.Reader, name string, maxLine int, fn func(h *csvHeader, hdrRaw []byte, l csvLine) error) (hprob *Problem, err error) {
	cr := newCSVReader(r, maxLine)
	var hdr *csvHeader
	var hdrRaw []byte
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		fields, raw, line, perr, err := cr.next()
		if err == io.EOF {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		if hdr == nil {
			if perr == nil {
				var herr *settlement.Error
				if hdr, herr = parseCSVHeader(fields); herr != nil {
					perr = herr
				}
			}
			if perr != nil {
				// Without a header no row can be read: one problem for the file.
				return &Problem{Source: name, Line: line, Err: perr}, nil
			}
			hdrRaw = raw
			continue
		}
		l := csvLine{line: line, fields: fields, raw: raw, perr: perr}
		if perr == nil && len(fields) != len(hdr.cols) {
			l.perr = invalid("", "want %d fields as in the header, got %d (an unquoted comma or quote?)", len(hdr.cols), len(fields))
		}
		if err := fn(hdr, hdrRaw, l); err != nil {
			return nil, err
		}
	}
}

// scanCSV is pass 1.
func scanCSV(ctx context.Context, r io.Reader, name string, maxLine int) (*csvScan, *Problem, error) {
	s := &csvScan{seed: maphash.MakeSeed(), runs: map[uint64]keyRuns{}, attached: map[int]uint64{}, poison: map[uint64][]int{}}
	type badRow struct {
		line  int
		key   uint64
		keyOK bool
	}
	var (
		prev     uint64
		havePrev bool
		pending  []badRow // malformed rows since the last good row
	)
	resolve := func(next uint64, haveNext bool) {
		for _, b := range pending {
			switch {
			case b.keyOK && havePrev && b.key == prev:
				s.attached[b.line] = prev
			case b.keyOK && haveNext && b.key == next:
				s.attached[b.line] = next
			default:
				// Its key cannot be told: it may be a row of the record
				// before it or of the one after it.
				if havePrev {
					s.poison[prev] = append(s.poison[prev], b.line)
				}
				if haveNext && (!havePrev || next != prev) {
					s.poison[next] = append(s.poison[next], b.line)
				}
			}
		}
		pending = pending[:0]
	}
	hprob, err := csvLines(ctx, r, name, maxLine, func(h *csvHeader, _ []byte, l csvLine) error {
		if l.perr != nil {
			b := badRow{line: l.line}
			if l.fields != nil {
				b.key, b.keyOK = s.hash(csvKey(h, l.fields)), true
			}
			pending = append(pending, b)
			return nil
		}
		k := s.hash(csvKey(h, l.fields))
		resolve(k, true)
		runs, seen := s.runs[k]
		switch {
		case havePrev && k == prev:
			if n := len(runs.more); n > 0 {
				runs.more[n-1].to = l.line
			} else {
				runs.first.to = l.line
			}
		case seen:
			runs.more = append(runs.more, lineRange{l.line, l.line})
		default:
			runs.first = lineRange{l.line, l.line}
		}
		s.runs[k] = runs
		prev, havePrev = k, true
		return nil
	})
	if err != nil || hprob != nil {
		return nil, hprob, err
	}
	resolve(0, false)
	return s, nil, nil
}

// seekable returns r as an io.ReadSeeker, spooling it to a temporary file
// when it cannot seek, and the offset r starts at; done removes the file.
func seekable(r io.Reader) (rs io.ReadSeeker, start int64, done func(), err error) {
	if rs, ok := r.(io.ReadSeeker); ok {
		if at, err := rs.Seek(0, io.SeekCurrent); err == nil {
			return rs, at, func() {}, nil
		}
	}
	f, err := os.CreateTemp("", "settle-import-*.csv")
	if err != nil {
		return nil, 0, nil, fmt.Errorf("spool the input: %w", err)
	}
	done = func() {
		f.Close()
		os.Remove(f.Name())
	}
	if _, err := io.Copy(f, r); err != nil {
		done()
		return nil, 0, nil, fmt.Errorf("spool the input: %w", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		done()
		return nil, 0, nil, fmt.Errorf("spool the input: %w", err)
	}
	return f, 0, done, nil
}

// csvGroup is the consecutive rows of one record (pass 2).
type csvGroup struct {
	key   string
	hash  uint64
	rows  []csvRow
	bad   []*Problem // malformed rows that belong to this record
	extra []csvRow   // their text, kept with a rejection
	bytes int
	limit *Problem
}

func (g *csvGroup) add(row csvRow, name string) {
	g.bytes += len(row.raw)
	switch {
	case g.limit != nil:
	case len(g.rows) >= settlement.MaxLines:
		g.limit = &Problem{Source: name, Line: row.line, Err: invalid("productId", "at most %d rows (order lines) per record", settlement.MaxLines)}
	case g.bytes > maxCSVRecordBytes:
		g.limit = &Problem{Source: name, Line: row.line, Err: invalid("", "record larger than %d bytes", maxCSVRecordBytes)}
	}
	if g.limit != nil && len(g.rows) >= 100 {
		return // rejected already; the first rows are enough for the payload
	}
	g.rows = append(g.rows, row)
}

// readCSV reads a CSV file and emits one item per record, in file order;
// an unreadable row that belongs to no record is an item of its own.
func readCSV(ctx context.Context, r io.Reader, name string, ro readOpts, emit func(item) error) error {
	rs, start, done, err := seekable(r)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	defer done()
	scan, hprob, err := scanCSV(ctx, rs, name, ro.maxLine)
	if err != nil {
		return err
	}
	if hprob != nil {
		return emit(item{line: hprob.Line, probs: []*Problem{hprob}})
	}
	if _, err := rs.Seek(start, io.SeekStart); err != nil {
		return fmt.Errorf("read %s again: %w", name, err)
	}
	var (
		hdr     *csvHeader
		hdrRaw  []byte
		g       *csvGroup
		pending []*Problem // malformed rows that belong to the next record
		pendRaw []csvRow
	)
	flush := func() error {
		if g == nil {
			return nil
		}
		it, err := finishCSVRecord(ctx, g, hdr, hdrRaw, scan, name, ro)
		g = nil
		if err != nil {
			return err
		}
		return emit(it)
	}
	_, err = csvLines(ctx, rs, name, ro.maxLine, func(h *csvHeader, raw []byte, l csvLine) error {
		hdr, hdrRaw = h, raw
		if l.perr != nil {
			p := &Problem{Source: name, Line: l.line, Err: l.perr}
			key, ok := scan.attached[l.line]
			switch {
			case ok && g != nil && g.hash == key:
				g.bad = append(g.bad, p)
				g.extra = append(g.extra, csvRow{line: l.line, raw: l.raw})
			case ok:
				if err := flush(); err != nil {
					return err
				}
				pending = append(pending, p)
				pendRaw = append(pendRaw, csvRow{line: l.line, raw: l.raw})
			default:
				// Unreadable: reported alone; the records it sits next to
				// are rejected through scan.poison.
				return emit(item{line: l.line, raw: csvPayload(hdrRaw, []csvRow{{raw: l.raw}}), probs: []*Problem{p}})
			}
			return nil
		}
		key := csvKey(h, l.fields)
		row := csvRow{line: l.line, fields: l.fields, raw: l.raw}
		if g != nil && g.key == key {
			g.add(row, name)
			return nil
		}
		if err := flush(); err != nil {
			return err
		}
		g = &csvGroup{key: key, hash: scan.hash(key), bad: pending, extra: pendRaw}
		pending, pendRaw = nil, nil
		g.add(row, name)
		return nil
	})
	if err != nil {
		return err
	}
	return flush()
}

// finishCSVRecord turns one group of rows into an item: the record, or
// every problem found in it.
func finishCSVRecord(ctx context.Context, g *csvGroup, hdr *csvHeader, hdrRaw []byte, scan *csvScan, name string, ro readOpts) (item, error) {
	first := g.rows[0]
	it := item{line: first.line}
	b := newCSVBuild(hdr, g.rows, name)
	probs := append([]*Problem(nil), g.bad...)
	runs := scan.runs[g.hash]
	if len(runs.more) > 0 {
		probs = append(probs, &Problem{Source: name, Line: first.line, Err: invalid("paymentId",
			"the rows of this record are not consecutive (lines %s): put a record's rows together; the record is rejected whole", runs.lines())})
	}
	for _, l := range scan.poison[g.hash] {
		probs = append(probs, &Problem{Source: name, Line: first.line, Err: invalid("",
			"line %d cannot be read and may be a row of this record (lines %s): the record is rejected whole", l, runs.lines())})
	}
	if g.limit != nil {
		probs = append(probs, g.limit)
	}
	in, rowProbs := b.build()
	probs = append(probs, rowProbs...)
	var rec Record
	if len(probs) == 0 {
		var err error
		if rec, err = in.validate(ro.rules); err != nil {
			probs = append(probs, b.problem(err))
		}
	}
	if len(probs) == 0 && ro.check != nil {
		ferr, err := ro.check(ctx, rec)
		if err != nil {
			return it, err
		}
		if ferr != nil {
			probs = append(probs, b.problem(ferr))
		}
	}
	reject := func(probs []*Problem) item {
		it := item{line: first.line}
		typ, _ := b.recordType()
		for _, p := range probs {
			setKey(p, typ, b.h.get(first.fields, "partnerId"), b.h.get(first.fields, "paymentId"), b.h.get(first.fields, "cancellationId"))
		}
		it.probs = probs
		rows := append(append([]csvRow(nil), g.rows...), g.extra...)
		slices.SortFunc(rows, func(a, b csvRow) int { return a.line - b.line })
		it.raw = csvPayload(hdrRaw, rows)
		return it
	}
	if len(probs) == 0 {
		it.rec = rec
		it.refuse = func(err *settlement.Error) item { return reject([]*Problem{b.problem(err)}) }
		return it, nil
	}
	return reject(probs), nil
}

func setKey(p *Problem, typ, partner, payment, cancellation string) {
	p.Type, p.PartnerID, p.RecordID = typ, partner, payment
	if typ == TypeOrderCancel {
		p.RecordID = cancellation
	}
}
