package ingest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"time"
)

// item is one record read from a file: either decoded (rec) or rejected
// (prob). raw is the text the record came from, kept with a rejection.
type item struct {
	line    int
	rec     Record
	prob    *Problem
	raw     []byte
	partner string // best-effort partner of a rejected record
}

// readJSONL streams JSON Lines: one record object per line; blank lines are
// skipped; a line longer than maxLine bytes is reported and skipped. emit is
// called once per record in file order; an error from emit stops reading
// and is returned.
func readJSONL(ctx context.Context, r io.Reader, name string, loc *time.Location, maxLine int, emit func(item) error) error {
	lr := newLineReader(r, maxLine)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		line, tooLong, err := lr.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("ingest: read %s: %w", name, err)
		}
		if tooLong {
			err := emit(item{line: lr.line, prob: &Problem{Source: name, Line: lr.line,
				Err: invalid("", "line longer than %d bytes", lr.max)}})
			if err != nil {
				return err
			}
			continue
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		it := item{line: lr.line, raw: bytes.Clone(line)}
		rec, err := DecodeRecord(line, loc)
		if err != nil {
			key, partner := guessKey(line)
			it.prob = &Problem{Source: name, Line: lr.line, Key: key, Err: asFieldError(err, "")}
			it.partner = partner
		} else {
			it.rec = rec
		}
		if err := emit(it); err != nil {
			return err
		}
	}
}

// guessKey names a rejected JSON record as well as it can.
func guessKey(data []byte) (key, partner string) {
	obj, err := decodeObject(data)
	if err != nil {
		return "", ""
	}
	str := func(k string) string { s, _ := obj[k].(string); return s }
	partner = str("partnerId")
	if c := str("cancellationId"); c != "" || str("type") == TypeOrderCancel {
		return cancelKey(partner, c), partner
	}
	if p := str("paymentId"); p != "" || partner != "" {
		return orderKey(partner, p), partner
	}
	return "", partner
}
