package transfer

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestRawKeepsNoPolicySnapshot: the stored answer names each discount's
// and fee's policy by id and name only, as it names the partner and the
// contract: the policy's rates, version and graphqlId are settle's
// reference data (refresh keeps them once) and were ~60 % of every stored
// answer.
func TestRawKeepsNoPolicySnapshot(t *testing.T) {
	var w Transfer
	if err := json.Unmarshal([]byte(sentAnswer), &w); err != nil {
		t.Fatal(err)
	}
	raw := string(Observe(w).Raw)
	for _, leak := range []string{"partnerShareRate", "vatPayer", "appliedAt", `"gd"`, `"gf"`, "3300"} {
		if strings.Contains(raw, leak) {
			t.Errorf("Raw keeps the policy snapshot (%s): %s", leak, raw)
		}
	}
	for _, want := range []string{`"sharePolicy":{"id":"d-1","name":"반반"}`, `"policy":{"id":"f-1","name":"PG"}`} {
		if !strings.Contains(raw, want) {
			t.Errorf("Raw lacks %s: %s", want, raw)
		}
	}
}
