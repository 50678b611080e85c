package intake

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
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
// Records are read, checked and saved a batch at a time (batchSize records,
// one transaction each): memory stays flat whatever the file's size, and
// the store is asked a few set queries per batch, never one per record. A
// batch is checked as if its records had been saved one by one in file
// order: a cancellation is checked against its order and the cancellations
// before it, stored or earlier in the batch.
//
// Import returns an error only when it cannot go on: an input cannot be
// read, the store fails, or ctx ends. The report then covers what was done.
func Import(ctx context.Context, st *store.Store, inputs []Input, opts Options) (Report, error) {
	if opts.Location == nil {
		return Report{}, errors.New("import: Options.Location (SETTLE_TZ) is required")
	}
	in := New(st, opts.rules(), memoTerms(opts.Terms))
	im := &importer{in: in, max: opts.maxProblems(), onRecord: opts.OnRecord}
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
		ro := readOpts{rules: opts.rules(), maxLine: opts.MaxLineBytes}
		var err error
		switch format {
		case FormatCSV:
			err = im.read(ctx, func(ctx context.Context, emit func(item) error) error {
				return readCSV(ctx, input.R, input.Name, ro, emit)
			})
		case FormatJSONL:
			err = im.read(ctx, func(ctx context.Context, emit func(item) error) error {
				return readJSONL(ctx, input.R, input.Name, ro, emit)
			})
		default:
			err = fmt.Errorf("%s: unknown format %q", input.Name, format)
		}
		im.rep.Counts.add(im.file.Counts)
		im.rep.Files = append(im.rep.Files, im.file)
		if err != nil {
			return im.rep, err
		}
	}
	return im.rep, nil
}

// memoTerms answers terms from what it answered before for the same
// partner and contract: the terms of one import are read once per partner,
// not once per record (they do not change during a run).
func memoTerms(terms TermsFunc) TermsFunc {
	if terms == nil {
		return nil
	}
	type answer struct {
		t   settlement.Terms
		err error
	}
	var mu sync.Mutex // the reader checks orders while the saver checks cancellations
	seen := map[[2]string]answer{}
	return func(ctx context.Context, partnerID, contractID string) (settlement.Terms, error) {
		k := [2]string{partnerID, contractID}
		mu.Lock()
		defer mu.Unlock()
		if a, ok := seen[k]; ok {
			return a.t, a.err
		}
		t, err := terms(ctx, partnerID, contractID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return t, err // the store failed: not an answer to keep
		}
		seen[k] = answer{t, err}
		return t, err
	}
}

// importer holds one import's state: the records of the batch being read,
// the current file's counts, and the report.
type importer struct {
	in       *Intake
	max      int
	rep      Report
	file     FileReport
	csv      bool
	pending  []item // the batch being checked and saved, in file order
	onRecord func()
}

// batchSize is how many records are checked and saved in one transaction.
const batchSize = 2000

// read runs one file's reader and saves what it reads a batch at a time.
// The reader decodes the next batch on its own goroutine while this one
// checks and saves the last (the two take about as long: with two cores an
// import goes at the speed of the slower). Batches are saved in file
// order; when saving fails the reader is stopped, and when reading fails
// what was read before is saved first.
func (im *importer) read(ctx context.Context, reader func(context.Context, func(item) error) error) error {
	rctx, stop := context.WithCancel(ctx)
	defer stop()
	batches := make(chan []item, 1)
	var rerr error
	go func() {
		defer close(batches)
		var b []item
		send := func() error {
			select {
			case batches <- b:
				b = nil
				return nil
			case <-rctx.Done():
				return rctx.Err()
			}
		}
		rerr = reader(rctx, func(it item) error {
			// An order's engine check needs nothing stored but its terms:
			// it runs here, beside the decoding, while the other goroutine
			// saves the previous batch.
			if o := it.rec.Order; o != nil && len(it.probs) == 0 {
				ferr, err := im.in.checkOrder(rctx, o.Order)
				if err != nil {
					return err
				}
				it.checked, it.verdict = true, ferr
			}
			if b == nil {
				b = make([]item, 0, batchSize)
			}
			if b = append(b, it); len(b) >= batchSize {
				return send()
			}
			return nil
		})
		if rerr == nil && len(b) > 0 {
			rerr = send()
		}
	}()
	var err error
	for b := range batches {
		if err != nil {
			continue // the reader is stopping
		}
		im.file.Read += len(b)
		if im.onRecord != nil {
			for range b {
				im.onRecord()
			}
		}
		im.pending = b
		if err = im.flush(ctx); err != nil {
			stop()
		}
	}
	if err != nil {
		return err
	}
	return rerr
}

// flush checks the batch's records against the settlement rules and what
// is stored, and saves the good ones and the rejections in one transaction.
func (im *importer) flush(ctx context.Context) error {
	if len(im.pending) == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// A batch, once begun, runs to its end (a fraction of a second) and is
	// committed whole or not at all; ctx is checked between batches. On a
	// context that cannot be cancelled the SQLite driver steps each row on
	// the calling goroutine, where on a cancellable one it starts a
	// goroutine per row returned, to watch for the cancellation.
	ctx = context.WithoutCancel(ctx)
	if err := im.check(ctx); err != nil {
		return err
	}
	var batch store.RecordBatch
	var orders, cancels []int // indexes into pending of the records saved
	for i := range im.pending {
		it := &im.pending[i]
		switch {
		case len(it.probs) > 0:
			im.file.Rejected++
			for _, p := range it.probs {
				im.problem(p)
			}
			batch.Rejected = append(batch.Rejected, rejectedOf(joinProblems(it.probs), it.raw, store.SourceImport))
		case it.rec.Order != nil:
			batch.Orders = append(batch.Orders, im.in.orderRecord(it.rec.Order, store.SourceImport, im.file.Name, it.line))
			orders = append(orders, i)
		default:
			batch.Cancellations = append(batch.Cancellations, im.in.cancelRecord(it.rec.Cancel, store.SourceImport, im.file.Name, it.line))
			cancels = append(cancels, i)
		}
	}
	outs, err := im.in.st.SaveRecords(ctx, batch)
	if err != nil {
		return fmt.Errorf("%s: save records: %w", im.file.Name, err)
	}
	// Counted in file order, so that problems are reported in file order.
	res := make([]*store.Outcome, len(im.pending))
	for n, i := range orders {
		res[i] = &outs.Orders[n]
	}
	for n, i := range cancels {
		res[i] = &outs.Cancellations[n]
	}
	for i, o := range res {
		if o != nil {
			im.count(im.pending[i], Result{Kind: o.Kind, Conflict: o.Conflict})
		}
	}
	im.pending = nil
	return nil
}

// check runs the settlement rules over the batch's decoded records, in
// file order, and turns the ones they refuse into rejections. A
// cancellation sees its order and the cancellations before it as they
// would be stored had every earlier record been saved on its own: what is
// stored (looked up for the whole batch at once), else what this batch
// holds before it and will create.
func (im *importer) check(ctx context.Context) error {
	var keys []store.PaymentKey
	for i := range im.pending {
		if c := im.pending[i].rec.Cancel; c != nil && len(im.pending[i].probs) == 0 {
			keys = append(keys, store.PaymentKey{PartnerID: settlement.PartnerID(c.Body.PartnerID), PaymentID: settlement.PaymentID(c.Body.PaymentID)})
		}
	}
	var b batchView
	if len(keys) > 0 {
		var err error
		if b.orders, err = im.in.st.OrdersOf(ctx, keys); err != nil {
			return err
		}
		if b.cancels, err = im.in.st.CancellationsOf(ctx, keys); err != nil {
			return err
		}
	}
	b.newOrders = map[store.PaymentKey]*settlement.Order{}
	b.newCancels = map[store.PaymentKey][]cancelSeen{}
	for i := range im.pending {
		it := &im.pending[i]
		if len(it.probs) > 0 {
			continue
		}
		var ferr *settlement.Error
		var err error
		if o := it.rec.Order; o != nil {
			if it.checked {
				ferr = it.verdict
			} else {
				ferr, err = im.in.checkOrder(ctx, o.Order)
			}
			if err == nil && ferr == nil {
				b.addOrder(o)
			}
		} else {
			c := it.rec.Cancel
			k := store.PaymentKey{PartnerID: settlement.PartnerID(c.Body.PartnerID), PaymentID: settlement.PaymentID(c.Body.PaymentID)}
			if ferr, err = im.in.checkCancel(ctx, c, b.order(k), b.prior(k)); err == nil && ferr == nil {
				b.addCancel(k, c)
			}
		}
		if err != nil {
			return err
		}
		if ferr != nil {
			*it = it.refuse(ferr)
		}
	}
	return nil
}

// batchView is what the records of a batch are checked against: the stored
// orders and cancellations of the batch's payments, and the records of the
// batch accepted so far that will be created.
type batchView struct {
	orders     map[store.PaymentKey]*store.OrderRecord
	cancels    map[store.PaymentKey][]store.CancellationRecord
	newOrders  map[store.PaymentKey]*settlement.Order
	newCancels map[store.PaymentKey][]cancelSeen
}

// cancelSeen is a cancellation as a later one of the same payment replays it.
type cancelSeen struct {
	c  settlement.Cancellation
	at time.Time
}

func (b *batchView) addOrder(o *OrderRecord) {
	k := store.PaymentKey{PartnerID: o.Order.PartnerID, PaymentID: o.Order.PaymentID}
	if _, ok := b.newOrders[k]; ok || b.orders[k] != nil {
		return // a duplicate or a conflict: the first one stands
	}
	b.newOrders[k] = &o.Order
}

// order is the order a cancellation of k is checked against, or nil.
func (b *batchView) order(k store.PaymentKey) *settlement.Order {
	if o := b.orders[k]; o != nil {
		return &o.Order
	}
	return b.newOrders[k]
}

// prior is the cancellations of k stored or accepted earlier in the batch,
// in the order they are stored (happened, then arrived).
func (b *batchView) prior(k store.PaymentKey) []cancelSeen {
	stored := b.cancels[k]
	out := make([]cancelSeen, 0, len(stored)+len(b.newCancels[k]))
	for i := range stored {
		out = append(out, cancelSeen{c: stored[i].Cancellation, at: stored[i].CancelledAt})
	}
	out = append(out, b.newCancels[k]...)
	slices.SortStableFunc(out, func(x, y cancelSeen) int { return x.at.Compare(y.at) })
	return out
}

func (b *batchView) addCancel(k store.PaymentKey, c *CancelRecord) {
	for _, p := range b.prior(k) {
		if p.c.CancellationID == c.Cancellation.CancellationID {
			return // a duplicate or a conflict: the first one stands
		}
	}
	b.newCancels[k] = append(b.newCancels[k], cancelSeen{c: c.Cancellation, at: c.CancelledAt})
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
