#!/usr/bin/env python3
"""KUnit's nested KTAP for one suite, from a console log (timestamps already stripped):

    check_kunit.py SUITE < console

Documentation/dev-tools/ktap.rst: a subtest opens with "# Subtest: NAME" at some indentation,
its results follow at that indentation (after an optional plan "1..N"), and its own result
("ok N NAME") closes it one level (4 spaces) out; KUnit prints a module's suite at 4 spaces
and its parameterised cases one level deeper. Passes (exit 0, one summary line) only if every
subtest at every depth is closed and ok, results are numbered 1..n, and a plan, where printed,
matches; else prints each problem and exits 1.
"""
import re
import sys


def check(suite, lines):
    start = next((i for i, line in enumerate(lines) if line == f"    # Subtest: {suite}"), None)
    if start is None:
        return [f"no KUnit suite '{suite}' (a line '    # Subtest: {suite}')"], 0, 0
    problems, leaves, cases = [], 0, 0
    stack = [[4, suite, None, 0]]  # [indent of its results, name, plan, results seen]
    for line in lines[start + 1:]:
        indent = len(line) - len(line.lstrip(" "))
        text = line.strip()
        opened = re.fullmatch(r"# Subtest: (\S+)", text)
        if opened:
            stack.append([indent, opened[1], None, 0])
            continue
        plan = re.fullmatch(r"1\.\.(\d+)", text)
        if plan and indent == stack[-1][0]:
            stack[-1][2] = int(plan[1])
            continue
        result = re.match(r"(not )?ok (\d+) (\S+)", text)
        if not result:
            continue
        while len(stack) > 1 and indent < stack[-1][0] - 4:
            problems.append(f"subtest {stack.pop()[1]} has no result")
        if indent == stack[-1][0] - 4 and result[3] == stack[-1][1]:
            closed = stack.pop()  # a subtest's own result
            if closed[2] is not None and closed[3] != closed[2]:
                problems.append(f"{closed[1]}: the plan says {closed[2]}, {closed[3]} results")
            if result[1]:
                problems.append(f"not ok: {closed[1]}")
            if not stack:
                break
        elif indent == stack[-1][0]:
            leaves += 1
            if result[1]:
                problems.append(f"not ok: {stack[-1][1]}.{result[3]}")
        else:
            problems.append(f"a result outside any subtest: {text}")
            continue
        parent = stack[-1]
        parent[3] += 1
        if int(result[2]) != parent[3]:
            problems.append(f"{parent[1]}: result {parent[3]} is numbered {result[2]}")
        if len(stack) == 1:
            cases += 1
    if stack:
        problems.append(f"subtest {stack[-1][1]} has no result (the log cut off?)")
    return problems, cases, leaves


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: check_kunit.py SUITE < console-log")
    problems, cases, leaves = check(sys.argv[1], sys.stdin.read().splitlines())
    if problems:
        print("\n".join(problems))
        sys.exit(1)
    print(f"KUnit {sys.argv[1]}: {cases} cases, {leaves} results, all ok")


main()
