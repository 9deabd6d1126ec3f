"""Exercise every studio module once, printing what a user would see."""

import asyncio
import logging
import sys

from studio import audio, images, text, thumbnails, video, web

logging.basicConfig(stream=sys.stdout, format="%(name)s: %(message)s")
logging.getLogger("studio").setLevel(logging.INFO)


def main() -> None:
    print(*web.handle_generate({"prompt": "a lighthouse in fog", "count": 2}))
    print(*web.handle_generate({"prompt": "  "}))
    print(*web.handle_upscale({"image": "https://example.com/holiday.png"}))

    for path in thumbnails.download_thumbnails("a row of cottages", "thumbs"):
        print("thumbnail saved:", path)

    job = video.VideoJob("a timelapse of clouds")
    job.start()
    print("video:", job.summary())

    first = images.generate_images("a red kite over a beach")[0]
    description = text.caption(first)
    print("caption:", description)
    print("title:", text.chat(f"Suggest a short title for a photo of {description}."))
    print("tagline:", text.chat_streaming("Write a tagline for a photo studio."))

    print("soundtrack bytes:", audio.save_soundtrack("calm ambient pads", "soundtrack.wav"))

    renders = asyncio.run(images.render_batch(["a blue door", "a green door"]))
    for prompt, url in sorted(renders.items()):
        print(f"{prompt} -> {url.split('/')[-1]}")


main()
