"""HTTP-ish handlers: take a request dict, answer (status, JSON body)."""

import json

import replicate

from studio.images import generate_images

CDN_HOST = "https://cdn.studio.example"


def _public(url: str) -> str:
    return url.replace("https://replicate.delivery", CDN_HOST)


def handle_generate(request: dict) -> tuple[int, str]:
    prompt = request.get("prompt", "").strip()
    if not prompt:
        return 400, json.dumps({"error": "prompt is required"})
    urls = generate_images(prompt, count=int(request.get("count", 1)))
    return 200, json.dumps({"prompt": prompt, "images": [_public(u) for u in urls]})


def handle_upscale(request: dict) -> tuple[int, str]:
    upscaled = replicate.run(
        "nightmareai/real-esrgan",
        input={"image": request["image"], "scale": 2},
    )
    return 200, json.dumps({"source": request["image"], "upscaled": upscaled})
