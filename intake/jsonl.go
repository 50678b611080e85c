package intake

import (
	"bytes"
	"context"
	"fmt"
	"io"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/settle-dev/settle/settlement"
)

// readOpts configures the file readers. check, when set, validates a
// decoded record further (the settlement engine); a *settlement.Error
// rejects the record, an error stops reading.
type readOpts struct {
	rules   Rules
	maxLine int
	check   func(context.Context, Record) (*settlement.Error, error)
}

// item is one record read from a file: either decoded (rec) or rejected
// (probs: every problem found in it, each with its line). raw is the text
// the record came from, kept with a rejection. refuse, set on a decoded
// record, is the item that rejects it for err, as the reader would have
// had check refused it: an import checks records against the store a batch
// at a time, after reading them.
type item struct {
	line   int
	rec    Record
	probs  []*Problem
	raw    []byte
	refuse func(err *settlement.Error) item
	// checked says verdict is the settlement engine's verdict on the
	// order rec (nil: accepted), found while the file was read.
	checked bool
	verdict *settlement.Error
}

// readJSONL streams JSON Lines: one record object per line; blank lines are
// skipped; a line longer than maxLine bytes is reported and skipped. emit is
// called once per record in file order; an error from emit stops reading
// and is returned.
func readJSONL(ctx context.Context, r io.Reader, name string, ro readOpts, emit func(item) error) error {
	lr := newLineReader(r, ro.maxLine)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		line, tooLong, err := lr.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", name, err)
		}
		if tooLong {
			err := emit(item{line: lr.line, probs: []*Problem{{Source: name, Line: lr.line,
				Err: invalid("", "line longer than %d bytes", lr.max)}}})
			if err != nil {
				return err
			}
			continue
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		it := item{line: lr.line, raw: bytes.Clone(line)}
		rec, err := ro.rules.DecodeRecord(line)
		if err == nil && ro.check != nil {
			var ferr *settlement.Error
			if ferr, err = ro.check(ctx, rec); err != nil {
				return err
			}
			if ferr != nil {
				err = ferr
			}
		}
		if err != nil {
			p := &Problem{Source: name, Line: lr.line, Err: asFieldError(err, "")}
			guessKey(line, p)
			it.probs = []*Problem{p}
		} else {
			it.rec = rec
			it.refuse = func(err *settlement.Error) item {
				p := &Problem{Source: name, Line: it.line, Err: err}
				guessKey(it.raw, p)
				return item{line: it.line, probs: []*Problem{p}, raw: it.raw}
			}
		}
		if err := emit(it); err != nil {
			return err
		}
	}
}

// guessKey names a rejected JSON record in p as well as it can.
func guessKey(data []byte, p *Problem) {
	var k struct {
		Type           string `json:"type"`
		PartnerID      string `json:"partnerId"`
		PaymentID      string `json:"paymentId"`
		CancellationID string `json:"cancellationId"`
	}
	// Lenient on purpose: whatever can be read names the record.
	_ = jsonv2.Unmarshal(data, &k, jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	p.PartnerID = k.PartnerID
	if k.CancellationID != "" || k.Type == TypeOrderCancel {
		p.Type, p.RecordID = TypeOrderCancel, k.CancellationID
		return
	}
	p.Type, p.RecordID = TypeOrder, k.PaymentID
}
