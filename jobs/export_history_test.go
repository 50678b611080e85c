package jobs

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
)

// TestHistorySpoolRoundTrip: a status history row read back from the
// spool is the row written, field by field, including empty texts, zero
// dates and times, a time in another zone and amounts at int64's ends; a
// file cut inside a row is an error, not a shorter history.
func TestHistorySpoolRoundTrip(t *testing.T) {
	seoul := time.FixedZone("KST", 9*3600)
	rows := []store.ReportStatus{
		{},
		{StatusChange: store.StatusChange{TransferID: "tr-1", IntentID: "in-1", PartnerID: "파트너-1", From: "SCHEDULED", To: "IN_PROCESS",
			Source: "sync", ObservedAt: time.Date(2025, 10, 2, 9, 30, 1, 123456789, seoul)},
			Kind: settlement.KindOrderCancel, PaymentID: "pay-1", CancellationID: "cx-1",
			SettlementStartDate: settlement.MustDate("2025-10-01"), SettlementDate: settlement.MustDate("2025-10-09"), Settlement: -1 << 63},
		{StatusChange: store.StatusChange{TransferID: "tr-2", To: "SETTLED", ObservedAt: time.Date(2025, 10, 2, 0, 0, 0, 0, time.UTC)},
			Kind: settlement.KindOrder, PaymentID: "pay-2", Settlement: 1<<63 - 1},
	}
	var buf []byte
	for i := range rows {
		buf = appendStatus(buf, &rows[i])
	}
	r := bufio.NewReader(bytes.NewReader(buf))
	for i := range rows {
		var got store.ReportStatus
		if err := readStatus(r, &got); err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
		if !got.ObservedAt.Equal(rows[i].ObservedAt) || got.ObservedAt.IsZero() != rows[i].ObservedAt.IsZero() {
			t.Errorf("row %d: observed at %v, want %v", i, got.ObservedAt, rows[i].ObservedAt)
		}
		got.ObservedAt, rows[i].ObservedAt = time.Time{}, time.Time{}
		if diff := cmp.Diff(rows[i], got); diff != "" {
			t.Errorf("row %d (-want +got):\n%s", i, diff)
		}
	}
	var end store.ReportStatus
	if err := readStatus(r, &end); !errors.Is(err, io.EOF) {
		t.Fatalf("after the last row: %v, want io.EOF", err)
	}
	for cut := 1; cut < len(buf); cut += 7 {
		r := bufio.NewReader(bytes.NewReader(buf[:cut]))
		var err error
		for err == nil {
			err = readStatus(r, &end)
		}
		if errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) && !atRowEnd(buf, cut, len(rows)) {
			t.Errorf("file cut at %d of %d bytes read as a whole history", cut, len(buf))
		}
	}
}

// atRowEnd reports whether cut falls at the end of one of the rows of buf.
func atRowEnd(buf []byte, cut, n int) bool {
	r := bufio.NewReader(bytes.NewReader(buf))
	for range n {
		var c store.ReportStatus
		if readStatus(r, &c) != nil {
			return false
		}
		if len(buf)-r.Buffered() == cut {
			return true
		}
	}
	return false
}
