package intake

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
)

// Format is a file format Import reads.
type Format string

// The formats Import reads.
const (
	FormatJSONL Format = "jsonl" // JSON Lines: one record object per line (.jsonl, .ndjson)
	FormatCSV   Format = "csv"   // one row per order line (.csv); see the README
)

// FormatOf picks the format from a file name's extension.
func FormatOf(name string) (Format, error) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".jsonl", ".ndjson":
		return FormatJSONL, nil
	case ".csv":
		return FormatCSV, nil
	}
	return "", fmt.Errorf("%s: unknown file type; want .jsonl, .ndjson or .csv", name)
}

// Input is one file to import. Name is how problems name the file; Format,
// when "", comes from Name's extension.
type Input struct {
	Name   string
	R      io.Reader
	Format Format
}

// Options configures Import.
type Options struct {
	// Location is the business time zone (SETTLE_TZ). Required.
	Location *time.Location
	// TestMode, HorizonDays and Now are the rest of the Rules every record
	// is checked against (PORTONE_TEST_MODE, SETTLE_HORIZON, the clock).
	TestMode    bool
	HorizonDays int
	Now         func() time.Time
	// MaxLineBytes caps a JSON Lines line and a CSV record (default 1 MiB).
	MaxLineBytes int
	// MaxProblems caps Report.Problems (default 1000); every rejected
	// record is kept in the store regardless.
	MaxProblems int
	// Terms, when set, validates records with the merchant's real terms.
	Terms TermsFunc
	// OnRecord, when set, is called after each record is read (for a
	// progress display).
	OnRecord func()
}

// Counts are what an import did with its records.
type Counts struct {
	Read      int // records read (a CSV record is all the rows of one order or cancellation)
	Created   int // stored for the first time
	Duplicate int // already stored with the same content: nothing changed
	Conflict  int // key already stored with different content: kept in rejected records
	Rejected  int // invalid: kept in rejected records with the reason
}

func (c *Counts) add(d Counts) {
	c.Read += d.Read
	c.Created += d.Created
	c.Duplicate += d.Duplicate
	c.Conflict += d.Conflict
	c.Rejected += d.Rejected
}

// FileReport is the counts of one file.
type FileReport struct {
	Name string
	Counts
}

// Report is the outcome of an import: counts in total and per file, and
// every bad record (invalid or conflicting) as a Problem naming file, line
// and field, in file order.
type Report struct {
	Counts
	Files        []FileReport
	Problems     []*Problem
	MoreProblems int // problems left out of Problems (MaxProblems)
}

// OK reports whether every record was stored or already there.
func (r *Report) OK() bool { return r.Rejected == 0 && r.Conflict == 0 }

// ImportFiles opens each path and imports it (see Import); problems name
// the files by the paths as given.
func ImportFiles(ctx context.Context, st *store.Store, paths []string, opts Options) (Report, error) {
	var total Report
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return total, fmt.Errorf("%w", err)
		}
		rep, err := Import(ctx, st, []Input{{Name: p, R: f}}, opts)
		f.Close()
		total.merge(rep, opts.maxProblems())
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

func (r *Report) merge(o Report, max int) {
	r.Counts.add(o.Counts)
	r.Files = append(r.Files, o.Files...)
	for _, p := range o.Problems {
		if len(r.Problems) < max {
			r.Problems = append(r.Problems, p)
		} else {
			r.MoreProblems++
		}
	}
	r.MoreProblems += o.MoreProblems
}

func (o Options) rules() Rules {
	return Rules{Location: o.Location, TestMode: o.TestMode, HorizonDays: o.HorizonDays, Now: o.Now}
}

func (o Options) maxProblems() int {
	if o.MaxProblems > 0 {
		return o.MaxProblems
	}
	return 1000
}

// Import reads orders and cancellations from JSON Lines and CSV inputs,
// streaming, and stores them idempotently: every good record is stored
// (Created) or found already stored (Duplicate); every bad one is reported
// as a Problem (`orders.csv line 17: quantity: must be > 0, got -2`) and
// kept in the store's rejected records with its reason; a record whose key
// is stored with different content is a Conflict, reported with the
// differing fields and kept in rejected records, and the stored record is
// left alone. Importing the same files again changes nothing.
//
// Import returns an error only when it cannot go on: an input cannot be
// read, the store fails, or ctx ends. The report then covers what was done.
func Import(ctx context.Context, st *store.Store, inputs []Input, opts Options) (Report, error) {
	if opts.Location == nil {
		return Report{}, errors.New("import: Options.Location (SETTLE_TZ) is required")
	}
	im := &importer{in: New(st, opts.rules(), opts.Terms), max: opts.maxProblems(), onRecord: opts.OnRecord}
	for _, input := range inputs {
		format := input.Format
		if format == "" {
			f, err := FormatOf(input.Name)
			if err != nil {
				return im.rep, err
			}
			format = f
		}
		im.file = FileReport{Name: input.Name}
		im.csv = format == FormatCSV
		ro := readOpts{rules: opts.rules(), maxLine: opts.MaxLineBytes, check: im.check}
		var err error
		switch format {
		case FormatCSV:
			err = readCSV(ctx, input.R, input.Name, ro, im.emit(ctx))
		case FormatJSONL:
			err = readJSONL(ctx, input.R, input.Name, ro, im.emit(ctx))
		default:
			err = fmt.Errorf("%s: unknown format %q", input.Name, format)
		}
		if err == nil {
			err = im.flush(ctx)
		}
		im.rep.Counts.add(im.file.Counts)
		im.rep.Files = append(im.rep.Files, im.file)
		if err != nil {
			return im.rep, err
		}
	}
	return im.rep, nil
}

// importer holds one import's state: orders waiting to be saved in one
// batch, the current file's counts, and the report.
type importer struct {
	in       *Intake
	max      int
	rep      Report
	file     FileReport
	csv      bool
	pending  []item // valid orders not yet saved
	onRecord func()
}

// batchSize is how many orders are saved in one transaction.
const batchSize = 500

func (im *importer) check(ctx context.Context, rec Record) (*settlement.Error, error) {
	if rec.Cancel != nil {
		// A cancellation is checked against its order: save the orders read so far first.
		if err := im.flush(ctx); err != nil {
			return nil, err
		}
	}
	return im.in.Check(ctx, rec)
}

func (im *importer) emit(ctx context.Context) func(item) error {
	return func(it item) error {
		im.file.Read++
		if im.onRecord != nil {
			im.onRecord()
		}
		if len(it.probs) > 0 {
			im.file.Rejected++
			for _, p := range it.probs {
				im.problem(p)
			}
			return im.in.Reject(ctx, joinProblems(it.probs), it.raw, store.SourceImport)
		}
		if it.rec.Order != nil {
			im.pending = append(im.pending, it)
			if len(im.pending) >= batchSize {
				return im.flush(ctx)
			}
			return nil
		}
		res, err := im.in.Save(ctx, it.rec, store.SourceImport, im.file.Name, it.line)
		if err != nil {
			return err
		}
		im.count(it, res)
		return nil
	}
}

// flush saves the pending orders in one transaction.
func (im *importer) flush(ctx context.Context) error {
	if len(im.pending) == 0 {
		return nil
	}
	recs := make([]store.OrderRecord, len(im.pending))
	for i, it := range im.pending {
		recs[i] = im.in.orderRecord(it.rec.Order, store.SourceImport, im.file.Name, it.line)
	}
	outs, err := im.in.st.SaveOrders(ctx, recs)
	if err != nil {
		return fmt.Errorf("%s: save orders: %w", im.file.Name, err)
	}
	for i, it := range im.pending {
		im.count(it, Result{Kind: outs[i].Kind, Conflict: outs[i].Conflict})
	}
	im.pending = im.pending[:0]
	return nil
}

func (im *importer) count(it item, res Result) {
	switch res.Kind {
	case store.Created:
		im.file.Created++
	case store.Duplicate:
		im.file.Duplicate++
	case store.Conflict:
		im.file.Conflict++
		e := ConflictRejection(res.Conflict)
		if im.csv {
			c := *e
			c.Field, _ = csvColumnOf(e.Field)
			e = &c
		}
		p := &Problem{Source: im.file.Name, Line: it.line, Err: e}
		setKey(p, it.rec.Type(), it.rec.PartnerID(), it.rec.PaymentID(), it.rec.CancellationID())
		im.problem(p)
	}
}

func (im *importer) problem(p *Problem) {
	if len(im.rep.Problems) < im.max {
		im.rep.Problems = append(im.rep.Problems, p)
	} else {
		im.rep.MoreProblems++
	}
}
