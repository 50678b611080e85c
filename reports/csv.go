package reports

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
)

// utf8BOM makes Excel read the CSV as UTF-8, so Korean text shows.
const utf8BOM = "\uFEFF"

// WriteCSV writes the order-line detail of src (the Order lines sheet) as a
// flat CSV to w: UTF-8 with a byte order mark, one header row in
// opts.Lang, numbers plain (no grouping), dates yyyy-mm-dd. Text that a
// spreadsheet would take for a formula (starting with = + - @) is prefixed
// with a single quote. Only opts.Lang and opts.Loc are used.
//
// It returns src's and ctx's errors unchanged and errors wrapping
// ErrOptions for bad options.
func WriteCSV(ctx context.Context, w io.Writer, src Source, opts Options) error {
	o, err := opts.normalize()
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	if _, err := bw.WriteString(utf8BOM); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	cw := csv.NewWriter(bw)
	cols := orderLineColumns()
	rec := make([]string, len(cols))
	for i := range cols {
		rec[i] = cols[i].label(o.Lang)
	}
	if err := cw.Write(rec); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	var v value
	buf := make([]byte, 0, 32)
	n := 0
	if err := src.OrderLines(ctx, func(r OrderLineRow) error {
		if n&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		n++
		for i := range cols {
			cols[i].set(&r, &v)
			rec[i], buf = csvField(&v, o, buf)
		}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
		return nil
	}); err != nil {
		return err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

// csvField formats v as CSV text.
func csvField(v *value, o Options, buf []byte) (string, []byte) {
	switch v.k {
	case kText:
		if s := v.s; s != "" {
			switch s[0] {
			case '=', '+', '-', '@', '\t', '\r':
				return "'" + s, buf
			}
		}
		return v.s, buf
	case kMoney, kInt:
		buf = strconv.AppendInt(buf[:0], v.n, 10)
		return string(buf), buf
	case kDate:
		return v.d.String(), buf
	case kTime:
		if v.t.IsZero() {
			return "", buf
		}
		return v.t.In(o.Loc).Format("2006-01-02 15:04:05"), buf
	}
	return "", buf
}
