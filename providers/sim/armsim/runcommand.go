package armsim

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/neogenesys/console/providers/sim"
)

// VirtualMachines - Run Command (the action API, not the runCommands child
// resources): POST …/virtualMachines/{vm}/runCommand
// {"commandId":"RunShellScript","script":[lines…]} answers 202 with
// Azure-AsyncOperation and Location. The status body, once done, carries
// properties.output; the Location URL then answers 200 with the
// RunCommandResult, which is what armcompute's poller returns. Like the real
// Linux agent, RunShellScript reports one status, ProvisioningState/succeeded,
// whose message is "Enable succeeded: \n[stdout]\n…\n[stderr]\n…" with the
// last 4096 bytes of each stream, and no exit code.
//
// The guest is simulated just enough for deterministic tests: the script is
// run by a tiny shell (see runScript) and recorded, with every script a shell
// in it reads, for RunCommands. A VM that is not running is 409
// OperationNotAllowed; a second run while one is in progress on the VM is
// 409 Conflict, as Azure allows one at a time.

// runOutputTail is how much of each stream Run Command returns (the end).
const runOutputTail = 4096

// runCommands is the Run Command state of a Server.
type runCommands struct {
	mu      sync.Mutex
	ops     map[string]*runOp   // operation id → run
	busy    map[string]*runOp   // lower-case VM id → its latest run
	scripts map[string][]string // lower-case VM id → scripts run, in order
}

// runOp is one Run Command: its output is known at once, its end is when
// the simulated clock passes the script's sleeps.
type runOp struct {
	sub            string
	started, done  time.Time
	stdout, stderr string
}

type runCommandInput struct {
	CommandID string   `json:"commandId"`
	Script    []string `json:"script"`
}

// RunCommands returns the scripts run on the VM (its ARM id, any case), in
// order: each Run Command's script as sent (its lines joined by newlines),
// followed by the scripts the shells it started read from stdin or -c.
func (s *Server) RunCommands(vmID string) []string {
	rc := &s.runs
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]string(nil), rc.scripts[strings.ToLower(vmID)]...)
}

// runCommand is VirtualMachines_RunCommand.
func (s *Server) runCommand(w http.ResponseWriter, r *http.Request) {
	var in runCommandInput
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writeError(w, http.StatusBadRequest, "InvalidRequestContent", "The request content was invalid and could not be deserialized: "+err.Error())
		return
	}
	vm, ok := s.findVM(w, r)
	if !ok {
		return
	}
	name := r.PathValue("name")
	switch {
	case in.CommandID == "":
		writeError(w, http.StatusBadRequest, "InvalidParameter", "Required parameter 'commandId' is missing (null).")
		return
	case in.CommandID != "RunShellScript":
		writeError(w, http.StatusBadRequest, "InvalidParameter", "The value of parameter 'commandId' is invalid: '"+in.CommandID+"' is not supported by this simulator.")
		return
	case strings.EqualFold(vm.OS, "Windows"):
		writeError(w, http.StatusConflict, "OperationNotAllowed", "Run command 'RunShellScript' is not supported on Windows VM '"+name+"'.")
		return
	}
	key := strings.ToLower(vm.ID)
	if vm.State != sim.Running {
		s.mu.Lock()
		word := statusWord(vm.State)
		if vm.State == sim.Stopped && s.poweredOff[key] {
			word = "stopped"
		}
		s.mu.Unlock()
		writeError(w, http.StatusConflict, "OperationNotAllowed", fmt.Sprintf(
			"Operation 'RunCommand' is not allowed on VM '%s' since the VM is %s.", name, word))
		return
	}

	rc := &s.runs
	now := s.currentTime()
	rc.mu.Lock()
	if rc.ops == nil {
		rc.ops, rc.busy, rc.scripts = map[string]*runOp{}, map[string]*runOp{}, map[string][]string{}
	}
	if prev := rc.busy[key]; prev != nil && now.Before(prev.done) {
		rc.mu.Unlock()
		writeError(w, http.StatusConflict, "Conflict",
			"Run command extension execution is in progress. Please wait for completion before invoking a run command.")
		return
	}
	script := strings.Join(in.Script, "\n")
	g := &guest{}
	stdout, stderr, _, elapsed := g.run(script, "", 0)
	rc.scripts[key] = append(rc.scripts[key], append([]string{script}, g.scripts...)...)
	id := newID()
	op := &runOp{sub: r.PathValue("sub"), started: now, done: now.Add(elapsed), stdout: stdout, stderr: stderr}
	if len(rc.ops) >= maxOperations {
		for k, o := range rc.ops {
			if now.Sub(o.done) > time.Minute {
				delete(rc.ops, k)
			}
		}
	}
	rc.ops[id] = op
	rc.busy[key] = op
	rc.mu.Unlock()

	u := fmt.Sprintf("%s/subscriptions/%s/providers/Microsoft.Compute/locations/%s/operations/%s?p=%s&api-version=%s",
		baseURL(r), r.PathValue("sub"), vm.Region, id, newID(), r.URL.Query().Get("api-version"))
	w.Header().Set("Azure-AsyncOperation", u)
	w.Header().Set("Location", u+"&monitor=true")
	w.Header().Set("x-ms-request-id", id)
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusAccepted)
}

func (s *Server) currentTime() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now()
}

// operationOrRunCommand answers the polling URLs of Run Command operations
// and hands the others to getOperation.
func (s *Server) operationOrRunCommand(w http.ResponseWriter, r *http.Request) {
	rc := &s.runs
	rc.mu.Lock()
	op, ok := rc.ops[r.PathValue("op")]
	var cp runOp
	if ok {
		cp = *op
	}
	rc.mu.Unlock()
	if !ok || !strings.EqualFold(cp.sub, r.PathValue("sub")) {
		s.getOperation(w, r)
		return
	}
	finished := !s.currentTime().Before(cp.done)
	result := runCommandResult{Value: []runStatus{{
		Code:          "ProvisioningState/succeeded",
		Level:         "Info",
		DisplayStatus: "Provisioning succeeded",
		Message:       "Enable succeeded: \n[stdout]\n" + tail(cp.stdout) + "\n[stderr]\n" + tail(cp.stderr),
	}}}
	if r.URL.Query().Get("monitor") == "true" {
		if !finished {
			w.Header().Set("Location", baseURL(r)+r.URL.RequestURI())
			w.Header().Set("Content-Length", "0")
			w.WriteHeader(http.StatusAccepted)
			return
		}
		writeJSON(w, http.StatusOK, result)
		return
	}
	st := runStatusBody{StartTime: cp.started.UTC().Format(time.RFC3339Nano), Status: "InProgress", Name: r.PathValue("op")}
	if finished {
		st.Status, st.EndTime = "Succeeded", cp.done.UTC().Format(time.RFC3339Nano)
		st.Properties = &runStatusProps{Output: result}
	}
	writeJSON(w, http.StatusOK, st)
}

type runStatusBody struct {
	StartTime  string          `json:"startTime"`
	EndTime    string          `json:"endTime,omitempty"`
	Status     string          `json:"status"`
	Properties *runStatusProps `json:"properties,omitempty"`
	Name       string          `json:"name"`
}

type runStatusProps struct {
	Output runCommandResult `json:"output"`
}

type runCommandResult struct {
	Value []runStatus `json:"value"`
}

type runStatus struct {
	Code          string `json:"code"`
	Level         string `json:"level"`
	DisplayStatus string `json:"displayStatus"`
	Message       string `json:"message"`
}

func tail(s string) string {
	if len(s) > runOutputTail {
		return s[len(s)-runOutputTail:]
	}
	return s
}

// guest is the tiny shell that runs Run Command scripts: lines and ;, &&,
// ||, pipelines, here-documents (<<WORD, <<'WORD', <<-WORD), the
// redirections <FILE (empty input), >FILE, >>FILE, 2>FILE (discarded),
// >&2 and 2>&1, '…' and "…" quoting and $? expansion. Its commands: echo,
// printf (%s %d and \n \t \\), true, false, exit N, sleep N (advances the
// operation's end), cat, base64 -d, env [--] CMD…, sh/bash -s or -c SCRIPT
// (a nested shell, whose script is recorded), and set (ignored). Any other
// command succeeds silently.
type guest struct {
	scripts []string
}

// maxDepth bounds nested shells.
const maxDepth = 8

// run runs script with stdin and returns its output, exit status and the
// time its sleeps take.
func (g *guest) run(script, stdin string, depth int) (stdout, stderr string, status int, elapsed time.Duration) {
	var out, errb strings.Builder
	toks := tokenize(script)
	last := 0
	skip := false // the next command of an && / || list is skipped
	for i := 0; i < len(toks); {
		// One pipeline: commands up to ; newline && ||.
		var stages [][]shTok
		cur := []shTok{}
		for i < len(toks) && !toks[i].sep() {
			if toks[i].op == "|" {
				stages, cur = append(stages, cur), []shTok{}
			} else {
				cur = append(cur, toks[i])
			}
			i++
		}
		stages = append(stages, cur)
		sep := ""
		if i < len(toks) {
			sep = toks[i].op
			i++
		}
		if !skip && !(len(stages) == 1 && len(stages[0]) == 0) {
			in := stdin
			for n, st := range stages {
				o, e, code, d, exit := g.simple(st, in, last, depth)
				elapsed += d
				errb.WriteString(e)
				if n == len(stages)-1 {
					out.WriteString(o)
				}
				in, last = o, code
				if exit && len(stages) == 1 {
					return out.String(), errb.String(), code, elapsed
				}
			}
			stdin = "" // the first command read the script's input
		}
		switch sep {
		case "&&": // a skipped command leaves $? as it was
			skip = last != 0
		case "||":
			skip = last == 0
		default:
			skip = false
		}
	}
	return out.String(), errb.String(), last, elapsed
}

// simple runs one command; exit says it was exit.
func (g *guest) simple(toks []shTok, stdin string, last, depth int) (stdout, stderr string, code int, elapsed time.Duration, exit bool) {
	var args []string
	toErr, errToOut, discardOut, discardErr := false, false, false, false
	for _, t := range toks {
		switch t.op {
		case "":
			args = append(args, strings.ReplaceAll(t.word, "\x00?", strconv.Itoa(last)))
		case "<<":
			stdin = t.word
		case "<":
			stdin = ""
		case ">", ">>":
			discardOut = true
		case "2>", "2>>":
			discardErr = true
		case ">&2":
			toErr = true
		case "2>&1":
			errToOut = true
		}
	}
	if len(args) == 0 {
		return "", "", 0, 0, false
	}
	stdout, stderr, code, elapsed, exit = g.command(args, stdin, depth)
	if errToOut {
		stdout, stderr = stdout+stderr, ""
	}
	if toErr {
		stdout, stderr = "", stderr+stdout
	}
	if discardOut {
		stdout = ""
	}
	if discardErr {
		stderr = ""
	}
	return stdout, stderr, code, elapsed, exit
}

func (g *guest) command(args []string, stdin string, depth int) (stdout, stderr string, code int, elapsed time.Duration, exit bool) {
	name, rest := args[0], args[1:]
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	switch name {
	case "env":
		if len(rest) > 0 && rest[0] == "--" {
			rest = rest[1:]
		}
		if len(rest) == 0 {
			return "", "", 0, 0, false
		}
		stdout, stderr, code, elapsed, _ = g.command(rest, stdin, depth)
		return stdout, stderr, code, elapsed, false
	case "echo":
		return strings.Join(rest, " ") + "\n", "", 0, 0, false
	case "printf":
		if len(rest) == 0 {
			return "", "printf: usage: printf format [arguments]\n", 2, 0, false
		}
		return printf(rest[0], rest[1:]), "", 0, 0, false
	case "true", "set", ":":
		return "", "", 0, 0, false
	case "false":
		return "", "", 1, 0, false
	case "exit":
		n := 0
		if len(rest) > 0 {
			n, _ = strconv.Atoi(rest[0])
		}
		return "", "", n & 0xff, 0, true
	case "sleep":
		if len(rest) > 0 {
			if f, err := strconv.ParseFloat(strings.TrimSuffix(rest[0], "s"), 64); err == nil && f > 0 {
				elapsed = time.Duration(f * float64(time.Second))
			}
		}
		return "", "", 0, elapsed, false
	case "cat":
		return stdin, "", 0, 0, false
	case "base64":
		if len(rest) > 0 && (rest[0] == "-d" || rest[0] == "--decode") {
			b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(stdin), ""))
			if err != nil {
				return string(b), "base64: invalid input\n", 1, 0, false
			}
			return string(b), "", 0, 0, false
		}
		return base64.StdEncoding.EncodeToString([]byte(stdin)) + "\n", "", 0, 0, false
	case "sh", "bash", "dash":
		if depth >= maxDepth {
			return "", name + ": too deeply nested\n", 2, 0, false
		}
		script := stdin
		if len(rest) >= 2 && rest[0] == "-c" {
			script, stdin = rest[1], ""
		} else if len(rest) > 0 && rest[0] != "-s" {
			return "", name + ": " + rest[0] + ": No such file or directory\n", 127, 0, false
		} else {
			stdin = ""
		}
		g.scripts = append(g.scripts, script)
		stdout, stderr, code, elapsed = g.run(script, stdin, depth+1)
		return stdout, stderr, code, elapsed, false
	}
	return "", "", 0, 0, false
}

func printf(format string, args []string) string {
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		c := format[i]
		switch {
		case c == '\\' && i+1 < len(format):
			i++
			switch format[i] {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			default:
				b.WriteByte(format[i])
			}
		case c == '%' && i+1 < len(format):
			i++
			arg := ""
			if format[i] != '%' && len(args) > 0 {
				arg, args = args[0], args[1:]
			}
			switch format[i] {
			case '%':
				b.WriteByte('%')
			case 'd':
				n, _ := strconv.Atoi(arg)
				b.WriteString(strconv.Itoa(n))
			default:
				b.WriteString(arg)
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// shTok is a word (op == "") or an operator; a here-document is op "<<"
// with its body as word. In words, $? is "\x00?" until the command runs.
type shTok struct {
	op, word string
}

func (t shTok) sep() bool {
	return t.op == ";" || t.op == "\n" || t.op == "&&" || t.op == "||"
}

// tokenize splits a script into words and operators.
func tokenize(src string) []shTok {
	var (
		toks    []shTok
		pending []int // indexes of << tokens whose bodies follow the line
		strip   []bool
	)
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r':
			i++
		case c == '#':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '\n':
			toks = append(toks, shTok{op: "\n"})
			i++
			for k, at := range pending {
				delim := toks[at].word
				var body strings.Builder
				for i < len(src) {
					end := strings.IndexByte(src[i:], '\n')
					line := src[i:]
					if end >= 0 {
						line = src[i : i+end]
						i += end + 1
					} else {
						i = len(src)
					}
					if strip[k] {
						line = strings.TrimLeft(line, "\t")
					}
					if line == delim {
						break
					}
					body.WriteString(line + "\n")
				}
				toks[at].word = body.String()
			}
			pending, strip = nil, nil
		case strings.HasPrefix(src[i:], "&&"), strings.HasPrefix(src[i:], "||"):
			toks = append(toks, shTok{op: src[i : i+2]})
			i += 2
		case c == ';' || c == '|':
			toks = append(toks, shTok{op: string(c)})
			i++
		case strings.HasPrefix(src[i:], "<<"):
			i += 2
			dash := i < len(src) && src[i] == '-'
			if dash {
				i++
			}
			for i < len(src) && (src[i] == ' ' || src[i] == '\t') {
				i++
			}
			w, n := word(src[i:])
			i += n
			toks = append(toks, shTok{op: "<<", word: strings.ReplaceAll(w, "\x00?", "$?")})
			pending, strip = append(pending, len(toks)-1), append(strip, dash)
		case strings.HasPrefix(src[i:], "2>&1"):
			toks = append(toks, shTok{op: "2>&1"})
			i += 4
		case strings.HasPrefix(src[i:], "1>&2"), strings.HasPrefix(src[i:], ">&2"):
			toks = append(toks, shTok{op: ">&2"})
			i += strings.Index(src[i:], "2") + 1
		case c == '<' || c == '>' || strings.HasPrefix(src[i:], "2>"):
			op := string(c)
			i++
			for i < len(src) && (src[i] == '>' || src[i] == '<') && len(op) < 3 {
				op += string(src[i])
				i++
			}
			for i < len(src) && (src[i] == ' ' || src[i] == '\t') {
				i++
			}
			_, n := word(src[i:])
			i += n
			toks = append(toks, shTok{op: op})
		default:
			w, n := word(src[i:])
			if n == 0 {
				i++ // a lone character no rule takes
				continue
			}
			toks = append(toks, shTok{word: w})
			i += n
		}
	}
	return toks
}

// word reads one shell word from the start of s: quotes removed, $? marked.
func word(s string) (string, int) {
	var b strings.Builder
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == '\'':
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				b.WriteString(s[i+1:])
				return b.String(), len(s)
			}
			b.WriteString(s[i+1 : i+1+end])
			i += end + 2
		case c == '"':
			i++
			for i < len(s) && s[i] != '"' {
				switch {
				case s[i] == '\\' && i+1 < len(s) && strings.IndexByte(`"\$`+"`", s[i+1]) >= 0:
					b.WriteByte(s[i+1])
					i += 2
				case strings.HasPrefix(s[i:], "$?"):
					b.WriteString("\x00?")
					i += 2
				default:
					b.WriteByte(s[i])
					i++
				}
			}
			i++
		case c == '\\' && i+1 < len(s):
			b.WriteByte(s[i+1])
			i += 2
		case strings.HasPrefix(s[i:], "$?"):
			b.WriteString("\x00?")
			i += 2
		case strings.IndexByte(" \t\r\n;|&<>", c) >= 0:
			return b.String(), i
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String(), i
}
