"""The one-line error check shared by the model tests (as tests/test_hostile.py's)."""


def one_line(result, code, *needles):
    """exit `code`, exactly one stderr line, an `attnviz: error:` naming every needle."""
    assert result.exit_code == code, (result.output, result.exception)
    err = result.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("attnviz: error:"), result.stderr
    assert "internal error" not in err[0] and "Traceback" not in result.output
    for needle in needles:
        assert needle in err[0], err[0]
    return err[0]
