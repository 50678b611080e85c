package transfer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"testing"
)

// summariesPage is a page of n transfer summaries as the emulator renders
// them (testdata/summary.json, 1.5 KB, with the partner, contract, payment
// and amount block), each with its own id.
func summariesPage(tb testing.TB, n int) []byte {
	one, err := os.ReadFile("testdata/summary.json")
	if err != nil {
		tb.Fatal(err)
	}
	one = bytes.TrimSpace(one)
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"page":{"number":0,"size":%d,"totalCount":%d},"transferSummaries":[`, n, n)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(bytes.Replace(one, []byte(`"id":"stl-o-`), fmt.Appendf(nil, `"id":"stl-o-%06d-`, i), 1))
	}
	b.WriteString("]}")
	return b.Bytes()
}

type statesPage struct {
	TransferSummaries []TransferState `json:"transferSummaries"`
	Page              PageInfo        `json:"page"`
}

// TestDecodeStatesAsEncodingJSON: the decoder of PortOne's answers gives
// what encoding/json gives on a page of summaries.
func TestDecodeStatesAsEncodingJSON(t *testing.T) {
	page := summariesPage(t, 50)
	var got, want statesPage
	if err := decodeAnswer(page, &got); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(page, &want); err != nil {
		t.Fatal(err)
	}
	gb, _ := json.Marshal(got)
	wb, _ := json.Marshal(want)
	if !bytes.Equal(gb, wb) || len(got.TransferSummaries) != 50 || got.TransferSummaries[49].Amount == nil {
		t.Fatalf("decoded\n%s\nwant\n%s", gb, wb)
	}
}

// BenchmarkDecodeStates is one listing page of 1,000 summaries decoded
// as TransferStates: a night of a million transfers is 1,100 of them, for
// reconcile, and again for sync's share.
func BenchmarkDecodeStates(b *testing.B) {
	page := summariesPage(b, 1000)
	for _, c := range []struct {
		name string
		dec  func([]byte, any) error
	}{{"encoding-json", json.Unmarshal}, {"decodeAnswer", decodeAnswer}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(page)))
			for b.Loop() {
				var p statesPage
				if err := c.dec(page, &p); err != nil || len(p.TransferSummaries) != 1000 {
					b.Fatal(err)
				}
			}
		})
	}
}
