// Command ratios reads the output of the side-by-side benchmarks (several
// rounds of `go test -bench`, concatenated) and prints one table of
// speed-up ratios: each peer's time divided by ours, per workload.
//
// Benchmarks are named Benchmark<Group>/work=<workload>/impl=<name>, and
// impl=opusrt is ours. The time per unit is the ns/pkt metric where a
// benchmark reports one (the Ogg benchmarks, one op being a whole file),
// else ns/op (one op per frame). An impl named opusrt-<variant> is ours in
// another configuration: the table shows the peers' speed-up over it in a
// column of its own. The k-th result of a benchmark belongs to
// round k; the ratio is taken within each round, so that a noisy moment
// of a shared machine slows both sides of it, and the table shows the
// median over rounds with the smallest and largest.
//
// Usage:
//
//	go run ./cmd/ratios out/bench.txt
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
)

const ours = "opusrt"

// result is one benchmark line's figures.
type result struct {
	ns     float64 // per unit: ns/pkt if reported, else ns/op
	allocs float64 // per unit: allocs/pkt if reported, else allocs/op
	extra  map[string]float64
}

// series holds every round of one workload: impl → results in order.
type series struct {
	work  string
	impls []string
	runs  map[string][]result
}

func main() {
	var in io.Reader = os.Stdin
	if len(os.Args) > 1 {
		var rs []io.Reader
		for _, name := range os.Args[1:] {
			f, err := os.Open(name)
			if err != nil {
				fmt.Fprintln(os.Stderr, "ratios:", err)
				os.Exit(1)
			}
			defer f.Close()
			rs = append(rs, f)
		}
		in = io.MultiReader(rs...)
	}
	works, err := parse(in)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ratios:", err)
		os.Exit(1)
	}
	print(os.Stdout, works)
}

func parse(in io.Reader) ([]*series, error) {
	var order []*series
	byWork := map[string]*series{}
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := f[0]
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			name = name[:i] // the GOMAXPROCS suffix
		}
		group, rest, _ := strings.Cut(strings.TrimPrefix(name, "Benchmark"), "/")
		var work, impl string
		for _, kv := range strings.Split(rest, "/") {
			k, v, _ := strings.Cut(kv, "=")
			switch k {
			case "work":
				work = v
			case "impl":
				impl = v
			}
		}
		if work == "" || impl == "" {
			continue
		}
		work = group + "/" + work
		r := result{ns: -1, allocs: -1, extra: map[string]float64{}}
		nsOp, allocsOp := -1.0, -1.0
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			switch unit := f[i+1]; unit {
			case "ns/op":
				nsOp = v
			case "allocs/op":
				allocsOp = v
			case "ns/pkt":
				r.ns = v
			case "allocs/pkt":
				r.allocs = v
			default:
				r.extra[unit] = v
			}
		}
		if r.ns < 0 {
			r.ns = nsOp
		}
		if r.allocs < 0 {
			r.allocs = allocsOp
		}
		s := byWork[work]
		if s == nil {
			s = &series{work: work, runs: map[string][]result{}}
			byWork[work] = s
			order = append(order, s)
		}
		if _, ok := s.runs[impl]; !ok {
			s.impls = append(s.impls, impl)
		}
		s.runs[impl] = append(s.runs[impl], r)
	}
	return order, sc.Err()
}

func print(w io.Writer, works []*series) {
	var variants []string // ours in other configurations, in order seen
	for _, s := range works {
		for _, impl := range s.impls {
			if strings.HasPrefix(impl, ours+"-") && !slices.Contains(variants, impl) {
				variants = append(variants, impl)
			}
		}
	}
	fmt.Fprint(w, "| workload | peer | ours | peer | speed-up (peer ÷ ours) |")
	for _, v := range variants {
		fmt.Fprintf(w, " vs %s |", v)
	}
	fmt.Fprintln(w, " rounds | allocs ours / peer | overhead ours / peer |")
	fmt.Fprint(w, "|---|---|---:|---:|---|")
	for range variants {
		fmt.Fprint(w, "---|")
	}
	fmt.Fprintln(w, "---:|---|---|")
	for _, s := range works {
		base := s.runs[ours]
		if len(base) == 0 {
			continue
		}
		unit := "ns/op"
		if strings.HasPrefix(s.work, "OggWrite") || strings.HasPrefix(s.work, "OggRead") {
			unit = "ns/pkt"
		}
		for _, impl := range s.impls {
			if impl == ours || strings.HasPrefix(impl, ours+"-") {
				continue
			}
			peer := s.runs[impl]
			ratios, n := paired(base, peer)
			var bt, pt, ba, pa []float64
			for k := range n {
				bt, pt = append(bt, base[k].ns), append(pt, peer[k].ns)
				ba, pa = append(ba, base[k].allocs), append(pa, peer[k].allocs)
			}
			over := ""
			if _, ok := base[0].extra["overhead-%"]; ok {
				over = fmt.Sprintf("%.1f %% / %.1f %%", base[0].extra["overhead-%"], peer[0].extra["overhead-%"])
			}
			fmt.Fprintf(w, "| %s | %s | %s %s | %s %s | **%.2f×** (%.2f–%.2f) |",
				s.work, impl, num(median(bt)), unit, num(median(pt)), unit,
				median(ratios), slices.Min(ratios), slices.Max(ratios))
			for _, v := range variants {
				if vr, m := paired(s.runs[v], peer); m > 0 {
					fmt.Fprintf(w, " %.2f× (%s %s) |", median(vr), num(medianNs(s.runs[v][:m])), unit)
				} else {
					fmt.Fprint(w, " |")
				}
			}
			fmt.Fprintf(w, " %d | %s / %s | %s |\n", n, num(median(ba)), num(median(pa)), over)
		}
	}
}

// paired returns peer ÷ ours round by round, and the number of rounds.
func paired(ours, peer []result) ([]float64, int) {
	n := min(len(ours), len(peer))
	r := make([]float64, n)
	for k := range n {
		r[k] = peer[k].ns / ours[k].ns
	}
	return r, n
}

func medianNs(rs []result) float64 {
	v := make([]float64, len(rs))
	for i, r := range rs {
		v[i] = r.ns
	}
	return median(v)
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// num formats a figure with three significant digits, or as an integer
// when it is one.
func num(v float64) string {
	switch {
	case v == float64(int64(v)) && v < 1e6:
		return strconv.FormatInt(int64(v), 10)
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case v >= 0.1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	default:
		return strconv.FormatFloat(v, 'g', 2, 64)
	}
}
