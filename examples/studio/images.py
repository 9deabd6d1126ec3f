"""Image generation service: callers get plain URL strings back."""

import asyncio

import replicate

IMAGE_MODEL = "black-forest-labs/flux-schnell"
BATCH_MODEL = "black-forest-labs/flux-1.1-pro"


def generate_images(prompt: str, count: int = 1) -> list[str]:
    """Return the URLs of `count` images for `prompt`."""
    return replicate.run(
        IMAGE_MODEL,
        input={"prompt": prompt, "num_outputs": count, "output_format": "webp"},
    )


async def render_batch(prompts: list[str]) -> dict[str, str]:
    """Render one image per prompt concurrently; map each prompt to its image URL."""
    outputs = await asyncio.gather(
        *(replicate.async_run(BATCH_MODEL, input={"prompt": prompt}) for prompt in prompts)
    )
    return dict(zip(prompts, outputs))
