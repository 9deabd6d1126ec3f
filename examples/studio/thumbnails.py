"""Download quick low-step previews to disk."""

import os
import urllib.request

import replicate

PREVIEW_MODEL = "bytedance/sdxl-lightning-4step"


def download_thumbnails(prompt: str, folder: str) -> list[str]:
    """Render previews for `prompt` and save them under `folder`; return the file paths."""
    os.makedirs(folder, exist_ok=True)
    output = replicate.run(PREVIEW_MODEL, input={"prompt": prompt, "num_outputs": 2})
    paths = []
    for index, image in enumerate(output):
        extension = os.path.splitext(image)[1] or ".png"
        path = os.path.join(folder, f"thumb_{index}{extension}")
        urllib.request.urlretrieve(image, path)
        paths.append(path)
    return paths
