"""Long-running video renders, tracked as jobs."""

import logging

import replicate

log = logging.getLogger(__name__)


class VideoJob:
    def __init__(self, prompt: str) -> None:
        self.prompt = prompt
        self.video_url: str | None = None

    def start(self) -> None:
        log.info("rendering video for %r", self.prompt)
        self.video_url = replicate.run("minimax/video-01", input={"prompt": self.prompt})

    def summary(self) -> str:
        if self.video_url is None:
            return f"{self.prompt}: not started"
        return f"{self.prompt}: {self.video_url.rsplit('/', 1)[-1]}"
