package opusrt

import "time"

// EpochMillis is a point in time as milliseconds since the Unix epoch, the
// unit of the stamps that travel with frames. It also serves as a plain
// count of milliseconds (Buffer.Duration).
type EpochMillis int64

// Now returns the current wall-clock time as EpochMillis.
func Now() EpochMillis { return EpochMillis(time.Now().UnixMilli()) }

// FromDuration converts d to whole milliseconds, truncating toward zero.
func FromDuration(d time.Duration) EpochMillis { return EpochMillis(d.Milliseconds()) }

// FromTime returns t as EpochMillis, truncating to the millisecond.
func FromTime(t time.Time) EpochMillis { return EpochMillis(t.UnixMilli()) }

// Duration returns e as a duration: the time since the epoch for a stamp,
// the span itself for a count of milliseconds.
func (e EpochMillis) Duration() time.Duration { return time.Duration(e) * time.Millisecond }

// Time returns the stamp as a time.Time in the local time zone.
func (e EpochMillis) Time() time.Time { return time.UnixMilli(int64(e)) }
