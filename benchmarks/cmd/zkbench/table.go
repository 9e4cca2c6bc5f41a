package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// Row is one line of the throughput and latency table: one workload, value
// size and session count, with a Result per target (in the order of the
// targets).
type Row struct {
	Workload string
	Size     int // value size in bytes; 0 where it does not apply
	Sessions int
	Note     string // what the rate and latency count, where not obvious
	Results  []Result
}

// FootRow is one line of the footprint table, a figure per target.
type FootRow struct {
	Metric string
	Unit   string    // "ms", "MB", "ops/s"
	Values []float64 // per target
	Errs   []error   // per target: why the figure is missing, or nil
	Lower  bool      // lower is better
}

// Report is the whole output of a run.
type Report struct {
	Header    []string // lines about machine, date, versions, command
	Targets   []string
	Client    string
	Rows      []Row
	Footprint []FootRow
}

func fmtRate(r float64) string {
	switch {
	case r >= 100000:
		return fmt.Sprintf("%.0fk", r/1000)
	case r >= 10000:
		return fmt.Sprintf("%.1fk", r/1000)
	case r >= 1000:
		return fmt.Sprintf("%.2fk", r/1000)
	default:
		return fmt.Sprintf("%.0f", r)
	}
}

func fmtDur(d time.Duration) string {
	us := float64(d) / float64(time.Microsecond)
	switch {
	case us >= 10000:
		return fmt.Sprintf("%.0fms", us/1000)
	case us >= 1000:
		return fmt.Sprintf("%.1fms", us/1000)
	case us >= 100:
		return fmt.Sprintf("%.0fµs", us)
	default:
		return fmt.Sprintf("%.1fµs", us)
	}
}

func fmtRatio(x float64) string {
	if x <= 0 {
		return "-"
	}
	if x < 0.1 {
		return fmt.Sprintf("%.2g×", x) // two significant digits, never "0.00×"
	}
	return fmt.Sprintf("%.2f×", x)
}

// Write prints r as aligned text (markdown false) or as Markdown tables.
func (r *Report) Write(w io.Writer, markdown bool) error {
	var out strings.Builder
	if markdown {
		for _, h := range r.Header {
			out.WriteString("- " + h + "\n")
		}
		out.WriteString("\n")
	} else {
		for _, h := range r.Header {
			out.WriteString(h + "\n")
		}
		out.WriteString("\n")
	}
	r.writeOps(&out, markdown)
	if len(r.Footprint) > 0 {
		out.WriteString("\n")
		r.writeFootprint(&out, markdown)
	}
	_, err := io.WriteString(w, out.String())
	return err
}

// table writes rows of cells as Markdown or tab-aligned text.
func table(out *strings.Builder, markdown bool, head []string, rows [][]string) {
	if markdown {
		out.WriteString("| " + strings.Join(head, " | ") + " |\n|")
		for range head {
			out.WriteString(" --- |")
		}
		out.WriteString("\n")
		for _, row := range rows {
			out.WriteString("| " + strings.Join(row, " | ") + " |\n")
		}
		return
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, strings.Join(head, "\t")+"\t")
	for _, row := range rows {
		fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
	}
	tw.Flush()
}

func (r *Report) writeOps(out *strings.Builder, markdown bool) {
	head := []string{"workload", "value", "sessions"}
	for _, t := range r.Targets {
		head = append(head, t+" ops/s", t+" p50", t+" p90", t+" p99", t+" p99.9")
	}
	for _, t := range r.Targets[min(1, len(r.Targets)):] {
		head = append(head, t+"/"+r.Targets[0]+" ops/s", "p50", "p99")
	}
	var rows [][]string
	var notes []string
	for _, row := range r.Rows {
		size := "-"
		if row.Size > 0 {
			size = fmt.Sprintf("%d B", row.Size)
			if row.Size%1024 == 0 {
				size = fmt.Sprintf("%d KiB", row.Size/1024)
			}
		}
		cells := []string{row.Workload, size, fmt.Sprint(row.Sessions)}
		for _, res := range row.Results {
			switch {
			case res.Err != nil:
				cells = append(cells, "FAIL", "", "", "", "")
				notes = append(notes, fmt.Sprintf("%s %s %d: %v", row.Workload, size, row.Sessions, res.Err))
			case res.Hist == nil || res.Hist.Count() == 0:
				cells = append(cells, "-", "-", "-", "-", "-")
			default:
				h := res.Hist
				cells = append(cells, fmtRate(res.Rate()), fmtDur(h.Quantile(0.5)), fmtDur(h.Quantile(0.9)),
					fmtDur(h.Quantile(0.99)), fmtDur(h.Quantile(0.999)))
			}
		}
		base := row.Results[0]
		for _, res := range row.Results[min(1, len(row.Results)):] {
			ok := base.Err == nil && res.Err == nil && base.Hist != nil && res.Hist != nil &&
				base.Hist.Count() > 0 && res.Hist.Count() > 0
			if !ok {
				cells = append(cells, "-", "-", "-")
				continue
			}
			cells = append(cells, fmtRatio(res.Rate()/base.Rate()),
				fmtRatio(float64(res.Hist.Quantile(0.5))/float64(base.Hist.Quantile(0.5))),
				fmtRatio(float64(res.Hist.Quantile(0.99))/float64(base.Hist.Quantile(0.99))))
		}
		rows = append(rows, cells)
	}
	table(out, markdown, head, rows)
	out.WriteString("\n")
	if len(r.Targets) > 1 {
		note(out, markdown, "ratios are "+strings.Join(r.Targets[1:], ", ")+" divided by "+r.Targets[0]+
			": above 1 is more throughput, below 1 is lower latency")
	}
	seen := map[string]bool{}
	for _, row := range r.Rows {
		if row.Note != "" && !seen[row.Workload] {
			seen[row.Workload] = true
			note(out, markdown, row.Workload+": "+row.Note)
		}
	}
	for _, n := range notes {
		note(out, markdown, "FAILED: "+n)
	}
}

// note writes one line under a table: a list item in Markdown.
func note(out *strings.Builder, markdown bool, s string) {
	if markdown {
		out.WriteString("- ")
	}
	out.WriteString(s + "\n")
}

func (r *Report) writeFootprint(out *strings.Builder, markdown bool) {
	head := []string{"footprint"}
	head = append(head, r.Targets...)
	for _, t := range r.Targets[min(1, len(r.Targets)):] {
		head = append(head, t+"/"+r.Targets[0])
	}
	var rows [][]string
	var notes []string
	for _, f := range r.Footprint {
		cells := []string{f.Metric}
		for i, v := range f.Values {
			if f.Errs[i] != nil {
				cells = append(cells, "-")
				notes = append(notes, fmt.Sprintf("%s, %s: %v", f.Metric, r.Targets[i], f.Errs[i]))
				continue
			}
			cells = append(cells, fmtFoot(v, f.Unit))
		}
		for i := 1; i < len(f.Values); i++ {
			if f.Errs[0] != nil || f.Errs[i] != nil || f.Values[0] == 0 {
				cells = append(cells, "-")
				continue
			}
			cells = append(cells, fmtRatio(f.Values[i]/f.Values[0]))
		}
		rows = append(rows, cells)
	}
	table(out, markdown, head, rows)
	if len(notes) > 0 {
		out.WriteString("\n")
	}
	for _, n := range notes {
		note(out, markdown, "missing: "+n)
	}
}

func fmtFoot(v float64, unit string) string {
	switch unit {
	case "ops/s":
		return fmtRate(v)
	case "ms":
		return fmt.Sprintf("%.1f ms", v)
	default:
		return fmt.Sprintf("%.1f %s", v, unit)
	}
}
