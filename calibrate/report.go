package calibrate

import (
	"fmt"
	"io"
)

// Print writes the report for people: what was posted and deleted, every
// finding with its evidence, and whether the rules explain every answer.
func (r *Report) Print(w io.Writer) {
	orders, cancels := 0, 0
	for _, p := range r.Probes {
		orders++
		cancels += len(p.Cancels)
	}
	fmt.Fprintf(w, "probes: %d orders and %d cancels posted to PortOne's test environment (run %s); %d probe transfers deleted\n",
		orders, cancels, r.RunID, r.Deleted)
	for _, l := range r.Leftovers {
		fmt.Fprintf(w, "  NOT deleted: %s (the next run deletes it)\n", l)
	}
	if r.Rules == nil {
		return
	}
	fmt.Fprintln(w, "\nwhat PortOne applies for this merchant:")
	for _, f := range r.Findings {
		fmt.Fprintf(w, "  %s = %s\n", f.Key, f.Choice)
		if f.Evidence != "" {
			fmt.Fprintf(w, "      evidence: %s\n", f.Evidence)
		}
	}
	fmt.Fprintf(w, "\nrules %s:\n", r.Rules.Version())
	fmt.Fprint(w, indent(r.Rules.Text()))
	if r.Exact {
		fmt.Fprintf(w, "\nevery probe previews to the won with these rules.\n")
		return
	}
	fmt.Fprintf(w, "\nthese rules leave %d answers unexplained:\n", len(r.Mismatches))
	for _, m := range r.Mismatches {
		fmt.Fprintf(w, "  %s\n", m)
	}
}

func indent(s string) string {
	out := ""
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			out += "  " + s[start:i+1]
			start = i + 1
		}
	}
	if start < len(s) {
		out += "  " + s[start:] + "\n"
	}
	return out
}
