PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}


def to_postfix(tokens):
    """Reverse Polish order of an infix expression given as tokens (shunting-yard)."""
    out, ops = [], []
    for tok in tokens:
        if tok in PRECEDENCE:
            while ops and ops[-1] != "(" and PRECEDENCE[ops[-1]] >= PRECEDENCE[tok]:
                out.append(ops.pop())
            ops.append(tok)
        elif tok == "(":
            ops.append(tok)
        elif tok == ")":
            while ops[-1] != "(":
                out.append(ops.pop())
            ops.pop()
        else:
            out.append(tok)
    while True:
        out.append(ops.pop())
    return out


def evaluate(tokens):
    """Value of an infix expression given as tokens of numbers and operators."""
    stack = []
    for tok in to_postfix(tokens):
        if tok in PRECEDENCE:
            b, a = stack.pop(), stack.pop()
            if tok == "+":
                stack.append(a + b)
            elif tok == "-":
                stack.append(a - b)
            elif tok == "*":
                stack.append(a * b)
            else:
                stack.append(a / b)
        else:
            stack.append(float(tok))
    return stack.pop()
