package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// env is what a command reads and writes instead of the process's globals,
// so tests run commands in-process.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

// usageError marks an error caused by how the command was called: bad flags
// or arguments. It exits with status 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// errProblems is returned by info when a file was read but found damaged:
// the report says what, the exit status says so.
var errProblems = errors.New("problems found")

// errBareUsage is returned when opusrt is run with no command: the usage
// is printed on stderr and the exit status is 2.
var errBareUsage = errors.New("no command")

// version is the command's version: the module's, or the VCS revision it
// was built from.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown)"
	}
	v := bi.Main.Version
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = "+dirty"
			}
		}
	}
	if (v == "" || v == "(devel)") && rev != "" {
		v = "devel " + rev[:min(len(rev), 12)] + modified
	}
	if v == "" {
		v = "(devel)"
	}
	return v + " " + bi.GoVersion
}

// run runs the command line args and returns the exit status.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	root := newRoot(e)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	if errors.Is(err, errProblems) {
		return 1
	}
	if errors.Is(err, errBareUsage) {
		return 2 // the usage is printed
	}
	// One prefix: the library's errors carry their own "opusrt: ", which
	// says nothing more inside ours.
	msg := "opusrt: " + strings.ReplaceAll(err.Error(), "opusrt: ", "")
	// One line: the library's errors are, cobra's are, ours are.
	msg = strings.ReplaceAll(strings.TrimSpace(msg), "\n", "; ")
	var ue usageError
	if errors.As(err, &ue) || isCobraUsage(err) {
		cmd := "opusrt"
		if name := commandName(root, args); name != "" {
			cmd += " " + name
		}
		fmt.Fprintf(stderr, "%s; see '%s --help'\n", msg, cmd)
		return 2
	}
	fmt.Fprintln(stderr, msg)
	return 1
}

// isCobraUsage reports whether err is one of cobra's or pflag's errors about
// the command line, which have no type of their own.
func isCobraUsage(err error) bool {
	s := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "invalid argument", "flag needs an argument", "accepts ", "requires at least", "required flag", "bad flag syntax"} {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}

// commandName returns the subcommand args name, for the usage hint.
func commandName(root *cobra.Command, args []string) string {
	c, _, err := root.Find(args)
	if err != nil || c == root {
		return ""
	}
	return c.Name()
}

func newRoot(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:   "opusrt",
		Short: "Inspect Ogg Opus files and see what a jitter buffer does on a bad network",
		Long: `opusrt inspects Ogg Opus files and plays them through the opusrt jitter buffer,
on a simulated network or over real UDP.

"-" names stdin or stdout wherever a file is expected.`,
		Example: `  opusrt simulate                                 # the embedded speech sample, default network
  opusrt simulate talk.opus --loss 10 --burst 3 -o heard.opus --plot timeline.svg
  opusrt info talk.opus heard.opus
  opusrt recv -o rec.opus &  opusrt send talk.opus --to 127.0.0.1:7400 --loss 5`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version(),
		Args:          cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("unknown command %q for \"opusrt\"", args[0])
			}
			fmt.Fprint(e.stderr, c.UsageString())
			return errBareUsage
		},
	}
	root.SetVersionTemplate("opusrt {{.Version}}\n")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(newInfoCmd(e), newSimulateCmd(e), newSendCmd(e), newRecvCmd(e), newCutCmd(e))
	return root
}
