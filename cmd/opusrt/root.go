package main

import (
	"context"
	"errors"
	"fmt"
	"io"
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
	msg := err.Error()
	if !strings.HasPrefix(msg, "opusrt: ") {
		msg = "opusrt: " + msg
	}
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
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(newInfoCmd(e), newSimulateCmd(e), newSendCmd(e), newRecvCmd(e), newCutCmd(e))
	return root
}
