package jobs

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
)

// historySpool reads the workbook's status history (store.ReportHistory)
// on a goroutine of its own while the detail sheets are written, into a
// temporary file, and hands its rows to the History sheet when the
// workbook comes to it. The history is the workbook's second query and
// does not depend on the first: read at the same time, it runs on the
// second core instead of after the detail sheets, and memory stays flat
// (the rows wait on disk, not in memory).
type historySpool struct {
	file   *os.File
	cancel context.CancelFunc
	done   chan struct{}
	err    error // the reader's result, once done is closed
}

// spoolHistory starts reading q's status history into a temporary file in
// dir ("" for os.TempDir()). close must be called.
func spoolHistory(ctx context.Context, st *store.Store, q store.Query, dir string) (*historySpool, error) {
	f, err := os.CreateTemp(dir, ".settle-history-*")
	if err != nil {
		return nil, fmt.Errorf("temporary file for the status history: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	h := &historySpool{file: f, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(h.done)
		w := bufio.NewWriterSize(f, 256<<10)
		var buf []byte
		err := st.ReportHistory(ctx, q, func(c *store.ReportStatus) error {
			buf = appendStatus(buf[:0], c)
			_, err := w.Write(buf)
			return err
		})
		if err == nil {
			err = w.Flush()
		}
		h.err = err
	}()
	return h, nil
}

// each waits for the reader and calls fn with every row, in the order
// ReportHistory gave them (fn must not keep the row).
func (h *historySpool) each(ctx context.Context, fn func(*store.ReportStatus) error) error {
	select {
	case <-h.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	if h.err != nil {
		return h.err
	}
	if _, err := h.file.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("status history: %w", err)
	}
	r := bufio.NewReaderSize(h.file, 256<<10)
	var c store.ReportStatus
	for {
		err := readStatus(r, &c)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("status history: temporary file: %w", err)
		}
		if err := fn(&c); err != nil {
			return err
		}
	}
}

// close stops the reader if it still runs and removes the file.
func (h *historySpool) close() {
	h.cancel()
	<-h.done
	h.file.Close()
	os.Remove(h.file.Name())
}

// appendStatus appends c's fields to b: the texts length-prefixed, the
// dates and the amount as varints, the time as time.Time's binary form.
func appendStatus(b []byte, c *store.ReportStatus) []byte {
	for _, s := range [...]string{string(c.TransferID), string(c.IntentID), string(c.PartnerID), string(c.From), string(c.To),
		c.Source, string(c.Kind), string(c.PaymentID), string(c.CancellationID)} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	for _, d := range [...]settlement.Date{c.SettlementStartDate, c.SettlementDate} {
		b = binary.AppendVarint(b, int64(d.Year))
		b = binary.AppendVarint(b, int64(d.Month))
		b = binary.AppendVarint(b, int64(d.Day))
	}
	b = binary.AppendVarint(b, int64(c.Settlement))
	t, _ := c.ObservedAt.MarshalBinary() // fails only for an offset not in whole minutes, which no database gives
	b = binary.AppendUvarint(b, uint64(len(t)))
	return append(b, t...)
}

// readStatus reads what appendStatus wrote into c; io.EOF at the end.
func readStatus(r *bufio.Reader, c *store.ReportStatus) error {
	var texts [9]string
	for i := range texts {
		n, err := binary.ReadUvarint(r)
		if err != nil {
			if i > 0 && errors.Is(err, io.EOF) {
				return io.ErrUnexpectedEOF
			}
			return err
		}
		s := make([]byte, n)
		if _, err := io.ReadFull(r, s); err != nil {
			return unexpected(err)
		}
		texts[i] = string(s)
	}
	var ints [7]int64
	for i := range ints {
		v, err := binary.ReadVarint(r)
		if err != nil {
			return unexpected(err)
		}
		ints[i] = v
	}
	n, err := binary.ReadUvarint(r)
	if err != nil {
		return unexpected(err)
	}
	t := make([]byte, n)
	if _, err := io.ReadFull(r, t); err != nil {
		return unexpected(err)
	}
	var at time.Time
	if err := at.UnmarshalBinary(t); err != nil {
		return err
	}
	*c = store.ReportStatus{
		StatusChange: store.StatusChange{TransferID: settlement.TransferID(texts[0]), IntentID: settlement.TransferID(texts[1]),
			PartnerID: settlement.PartnerID(texts[2]), From: settlement.TransferStatus(texts[3]), To: settlement.TransferStatus(texts[4]),
			Source: texts[5], ObservedAt: at},
		Kind: settlement.Kind(texts[6]), PaymentID: settlement.PaymentID(texts[7]), CancellationID: settlement.CancellationID(texts[8]),
		SettlementStartDate: settlement.Date{Year: int(ints[0]), Month: time.Month(ints[1]), Day: int(ints[2])},
		SettlementDate:      settlement.Date{Year: int(ints[3]), Month: time.Month(ints[4]), Day: int(ints[5])},
		Settlement:          settlement.Won(ints[6]),
	}
	return nil
}

// unexpected is io.ErrUnexpectedEOF for an io.EOF inside a row.
func unexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
