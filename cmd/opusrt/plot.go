package main

import (
	"fmt"
	"image/color"
	"path/filepath"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// maxPlotPackets bounds the packets drawn, so the file stays small enough
// to open: beyond it the timeline shows every second packet, then every
// fourth, and so on, over the whole run.
const maxPlotPackets = 15000

// plotData collects the points of the timeline as the packets' fates
// become known, in send order: every stride-th packet, the stride doubling
// whenever maxPlotPackets are drawn, so memory stays bounded and the
// timeline covers the whole run.
type plotData struct {
	n        int // packets seen
	stride   int
	pkts     []plotPacket
	lastSend float64 // seconds, of the last packet seen
}

// plotPacket is one packet drawn: when it was sent, when its copies
// arrived and when it was played, from the start.
type plotPacket struct {
	n       int // its number in send order
	send    time.Duration
	arrive  [2]time.Duration
	arrived int8
	playout time.Duration // −1: not played
	target  time.Duration // the target delay it was played with, above the network's base
	late    bool
}

// add draws packet p, or only counts it between strides.
func (d *plotData) add(p *packetRecord) {
	n := d.n
	d.n++
	d.lastSend = p.send.Seconds()
	if d.stride == 0 {
		d.stride = 1
	}
	if n%d.stride != 0 {
		return
	}
	if len(d.pkts) == maxPlotPackets {
		d.stride *= 2
		kept := d.pkts[:0]
		for _, q := range d.pkts {
			if q.n%d.stride == 0 {
				kept = append(kept, q)
			}
		}
		d.pkts = kept
		if n%d.stride != 0 {
			return
		}
	}
	d.pkts = append(d.pkts, plotPacket{n: n, send: p.send, arrive: p.arrive, arrived: p.arrived, playout: p.playout, target: p.target, late: p.late})
}

// points returns the points to draw.
func (d *plotData) points() (arrived, played, target, lost, late plotter.XYs) {
	for _, p := range d.pkts {
		x := p.send.Seconds()
		if p.arrived == 0 {
			lost = append(lost, plotter.XY{X: x, Y: 0})
		}
		for _, a := range p.arrive[:p.arrived] {
			pt := plotter.XY{X: x, Y: ms(a - p.send)}
			if p.late && p.playout < 0 {
				late = append(late, pt)
			} else {
				arrived = append(arrived, pt)
			}
		}
		if p.playout >= 0 {
			played = append(played, plotter.XY{X: x, Y: ms(p.playout - p.send)})
			target = append(target, plotter.XY{X: x, Y: ms(p.target)})
		}
	}
	return arrived, played, target, lost, late
}

// plotTimeline draws what became of each packet: x is when it was sent, y
// how long after that it arrived and was played (the actual delay), with
// the delay the buffer aimed at (the least recent network delay plus its
// target delay). Lost packets sit on the x axis as red crosses; late ones
// are orange triangles at their arrival.
func plotTimeline(name string, r *simResult) error {
	if err := checkPlotName(name); err != nil {
		return err
	}
	d := r.plot
	title := "opusrt simulate: " + r.net.String()
	if d.stride > 1 {
		title += fmt.Sprintf(" (one packet in %d)", d.stride)
	}
	arrived, played, target, lost, late := d.points()
	pl := plot.New()
	pl.Title.Text = title
	pl.X.Label.Text = "send time (s)"
	pl.Y.Label.Text = "time after send (ms)"
	pl.Y.Min = 0
	pl.Add(plotter.NewGrid())
	add := func(name string, xys plotter.XYs, c color.Color, shape draw.GlyphDrawer, radius vg.Length) error {
		if len(xys) == 0 {
			return nil
		}
		s, err := plotter.NewScatter(xys)
		if err != nil {
			return err
		}
		s.GlyphStyle.Color = c
		s.GlyphStyle.Shape = shape
		s.GlyphStyle.Radius = radius
		pl.Add(s)
		pl.Legend.Add(fmt.Sprintf("%s (%d)", name, len(xys)), s)
		return nil
	}
	if len(played) > 0 {
		line, err := plotter.NewLine(played)
		if err != nil {
			return err
		}
		line.Color = color.RGBA{G: 150, A: 255}
		line.Width = vg.Points(1.5)
		pl.Add(line)
		pl.Legend.Add(fmt.Sprintf("played: actual delay (%d)", len(played)), line)
		tl, err := plotter.NewLine(target)
		if err != nil {
			return err
		}
		tl.Color = color.RGBA{R: 120, B: 160, A: 255}
		tl.Width = vg.Points(1)
		tl.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
		pl.Add(tl)
		pl.Legend.Add("target delay: the network's base delay + the buffer's target", tl)
	}
	for _, err := range []error{
		add("arrived", arrived, color.RGBA{B: 200, A: 255}, draw.CircleGlyph{}, vg.Points(1.5)),
		add("late: arrived after its slot", late, color.RGBA{R: 240, G: 140, A: 255}, draw.TriangleGlyph{}, vg.Points(3)),
		add("lost in the network", lost, color.RGBA{R: 220, A: 255}, draw.CrossGlyph{}, vg.Points(3)),
	} {
		if err != nil {
			return err
		}
	}
	pl.Legend.Top = true
	pl.Y.Max *= 1.4 // room for the legend
	width := 10 * vg.Inch
	if secs := d.lastSend; secs > 60 {
		width = vg.Length(min(secs/6, 40)) * vg.Inch
	}
	if err := pl.Save(width, 4*vg.Inch, name); err != nil {
		return fmt.Errorf("--plot %s: %v", name, err)
	}
	return nil
}

// checkPlotName checks that gonum/plot can write a file of that name.
func checkPlotName(name string) error {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".svg", ".png", ".pdf": // what the help lists
		return nil
	}
	return usagef("--plot %s: want a file name ending in .svg, .png or .pdf", name)
}
