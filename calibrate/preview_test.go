package calibrate

import (
	"encoding/json"
	"testing"

	"github.com/settle-dev/settle/intake"
	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/transfer"
)

// TestProbePreviewInputs: every probe, rendered as a `settle preview`
// input, previews under the rules to the same transfers as the engine
// computes for the probe, so `settle preview` with a calibrated rules file
// can check PortOne's answers to the probes field by field.
func TestProbePreviewInputs(t *testing.T) {
	spec := settlement.RulesSpec{Name: "truth", Variants: settlement.Variants{OrderBlock: settlement.OrderBlockRecomputed, CancelFixed: settlement.CancelFixedOnEachCancel}}
	rules, err := settlement.NewRules(spec)
	if err != nil {
		t.Fatal(err)
	}
	for _, res := range simulate(t, spec) {
		out, err := intake.Rules{Location: seoul}.PreviewWith(res.Probe.PreviewInput(), rules)
		if err != nil {
			t.Fatalf("probe %s: %v\n%s", res.Probe.Name, err, res.Probe.PreviewInput())
		}
		ts := append([]intake.PreviewTransfer{out.Transfer}, out.CancelTransfers...)
		want := append([]settlement.Transfer{res.Order}, res.Cancels...)
		if len(ts) != len(want) {
			t.Fatalf("probe %s: %d transfers, want %d", res.Probe.Name, len(ts), len(want))
		}
		for i := range ts {
			got := fromPreview(t, ts[i])
			if ms := settlement.Compare(&got, &want[i]); len(ms) > 0 {
				t.Errorf("probe %s transfer %d: %+v", res.Probe.Name, i, ms)
			}
		}
	}
}

func fromPreview(t *testing.T, p intake.PreviewTransfer) settlement.Transfer {
	t.Helper()
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var w transfer.Transfer
	if err := json.Unmarshal(b, &w); err != nil {
		t.Fatal(err)
	}
	tr, _ := transfer.TransferFromWire(w)
	return tr
}
