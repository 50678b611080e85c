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

// WriteCSV writes the order detail of src (the Order lines sheet) as a
// flat CSV to w: UTF-8 with a byte order mark (so Excel shows Korean), a
// first line starting with "#" that says what the file holds (business
// dates, what a row is, the sign of cancellations), one header row in
// opts.Lang, then one row per order line, one per order registered by
// amount and one per transfer's order-level discounts and fees, so that
// every order and cancellation of the range is in the file and its rows add
// up to the transfers' blocks. Numbers are plain (no grouping), dates
// yyyy-mm-dd, date-times in opts.Loc. Text that a spreadsheet would take
// for a formula (starting with = + - @) is prefixed with a single quote.
// Only opts.Lang and opts.Loc are used.
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
	v := &view{l: o.Lang, loc: o.Loc}
	cols := lineColumns(v)
	info := src.Run()
	if err := cw.Write([]string{csvPreamble(o.Lang, info)}); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	rec := make([]string, len(cols))
	for i := range cols {
		rec[i] = cols[i].label(o.Lang)
	}
	if err := cw.Write(rec); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	var val value
	buf := make([]byte, 0, 32)
	n := 0
	row := func(it *lineItem) error {
		if n&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		n++
		for i := range cols {
			cols[i].set(it, &val)
			rec[i], buf = csvField(&val, o, buf)
		}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
		return nil
	}
	if err := src.Transfers(ctx, func(t *TransferRow) error { return eachLineItem(t, row) }); err != nil {
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

// csvPreamble is the CSV's first line.
func csvPreamble(l Lang, info RunInfo) string {
	return label(l,
		"# settle 정산 상세: 업무일 "+info.From.String()+"–"+info.To.String()+"의 모든 주문·취소 이체. 상품 라인 1행씩, 주문금액 주문은 1행, 주문 단위 할인·수수료는 별도 행(행 구분 열). 취소 금액은 양수(PortOne과 같음): 순액 = 주문 − 취소. 다음 줄이 열 이름.",
		"# settle settlement detail: every ORDER and ORDER_CANCEL transfer of business dates "+info.From.String()+" to "+info.To.String()+
			". One row per order line, one per order registered by amount, one for order-level discounts and fees (column Row). Cancellations are positive amounts, as PortOne shows them: net = orders − cancellations. The next line names the columns.")
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
