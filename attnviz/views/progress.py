"""Progress of long attention runs on stderr (the CLI's `show`): a bar when stderr is a terminal,
else a plain line every EVERY seconds (logs, CI, pipes)."""

import sys
import time


class progress_bar:
    """`with progress_bar() as advance:` advance(k, total) after each block of k queries."""

    EVERY = 5.0  # seconds between plain lines
    SETTLED = 0.02  # share of the work done (after the first block) before a time left is extrapolated

    def __enter__(self):
        self.bar, self.done, self.start, self.last = None, 0, time.monotonic(), time.monotonic()
        self.first = None  # (time, done) at the first block's end: the rate is measured from there
        return self.advance

    def advance(self, k: int, total: int) -> None:
        self.done += k
        if total < 20_000:
            return
        if not sys.stderr.isatty():
            now = time.monotonic()
            if self.first is None:  # reading the input, features, the first block (threads start): not the rate
                self.first = (now, self.done)
            if now - self.last >= self.EVERY and self.done < total:
                self.last = now
                sys.stderr.write(f"attnviz: {self.line(now, total)}\n")
                sys.stderr.flush()
            return
        if self.bar is None:
            from rich.console import Console
            from rich.progress import Progress

            from ..i18n import _

            self.bar = Progress(console=Console(stderr=True), transient=True)
            self.task = self.bar.add_task(_("attention"), total=total, completed=self.done - k)
            self.bar.start()
        self.bar.advance(self.task, k)
        if self.done >= total:  # gone before the view is printed (a streamed summary prints inside the run)
            self.bar.stop()
            self.bar = None

    def line(self, now: float, total: int) -> str:
        """'attention 40% done, 2 minutes so far, about 3 minutes left': the time left from the rate
        since the first block, once SETTLED of the work is done after it (before: no guess)."""
        from ..cost import duration
        from ..i18n import _

        percent, elapsed = f"{100 * self.done / total:.0f}", duration(now - self.start)
        since, done_then = self.first
        measured = self.done - done_then
        if measured < self.SETTLED * total or now <= since:
            return _("attention {percent}% done, {elapsed} so far").format(percent=percent, elapsed=elapsed)
        left = (now - since) * (total - self.done) / measured
        return _("attention {percent}% done, {elapsed} so far, about {left} left").format(
            percent=percent, elapsed=elapsed, left=duration(left))

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.stop()
