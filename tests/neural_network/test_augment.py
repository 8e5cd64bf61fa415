"""The training augmentation: affine transform, crops, blur, erasing."""

import pytest

torch = pytest.importorskip("torch")

from sklearn_fer.neural_network._augment import (  # noqa: E402
    Augment,
    affine_transform,
    gaussian_blur,
    random_erasing,
)


def test_flip_and_rotation_are_exact():
    image = torch.arange(36, dtype=torch.float32).reshape(1, 1, 6, 6)
    ones = torch.ones(1)
    no_shift = torch.zeros(1, 2)
    flipped = affine_transform(image, torch.tensor([True]), 0 * ones, no_shift, ones)
    torch.testing.assert_close(flipped, image.flip(-1))
    rotated = affine_transform(image, torch.tensor([False]), 90 * ones, no_shift, ones)
    torch.testing.assert_close(rotated, torch.rot90(image, k=1, dims=(2, 3)))
    same = affine_transform(image, torch.tensor([False]), 0 * ones, no_shift, ones)
    torch.testing.assert_close(same, image)


def test_blur_keeps_constant_images_and_sigma_zero():
    images = torch.rand(3, 1, 8, 8)
    unchanged = gaussian_blur(images, torch.zeros(3))
    torch.testing.assert_close(unchanged, images)
    flat = torch.full((2, 1, 8, 8), 0.3)
    torch.testing.assert_close(gaussian_blur(flat, torch.tensor([0.5, 2.0])), flat)
    blurred = gaussian_blur(images, torch.full((3,), 1.5))
    assert blurred.std() < images.std()


def test_augmentation_only_in_training_mode():
    augment = Augment(flip=True, rotation=20, shift=0.1, scale=0.1, blur=1.0)
    images = torch.rand(8, 1, 12, 12)
    augment.train()
    assert not torch.allclose(augment(images), images)
    augment.eval()
    assert augment(images) is images


def test_a_random_crop_is_a_window_of_the_transformed_image():
    images = torch.rand(3, 1, 12, 12)
    no = torch.zeros(3, dtype=torch.bool)
    zero, one, no_shift = torch.zeros(3), torch.ones(3), torch.zeros(3, 2)
    # Offsets in grid units: +-(1 - 8 / 12) reach the borders.
    room = 1 - 8 / 12
    offset = torch.tensor([[-room, -room], [room, room / 2], [0.0, 0.0]])
    crops = affine_transform(images, no, zero, no_shift, one, ((8, 8), offset))
    torch.testing.assert_close(crops[0], images[0, :, :8, :8])
    torch.testing.assert_close(crops[1], images[1, :, 3:11, 4:12])
    torch.testing.assert_close(crops[2], images[2, :, 2:10, 2:10])
    # The window is cut from the flipped and rotated image, as a crop after.
    flip, angle = torch.tensor([True, False, True]), torch.full((3,), 90.0)
    whole = affine_transform(images, flip, angle, no_shift, one)
    crops = affine_transform(images, flip, angle, no_shift, one, ((8, 8), offset))
    torch.testing.assert_close(crops[0], whole[0, :, :8, :8])
    torch.testing.assert_close(crops[1], whole[1, :, 3:11, 4:12])


def test_training_crops_are_random_windows_of_crop_size():
    augment = Augment(False, 0, 0, 0, 0, crop_size=5).train()
    # Ramps across the columns, then down the rows: bilinear sampling keeps
    # them exactly, so each crop's corner is its window's offset.
    ramp = torch.arange(7.0).expand(7, 7)
    images = torch.cat([ramp.expand(300, 1, 7, 7), ramp.T.expand(300, 1, 7, 7)])
    crops = augment(images)
    assert crops.shape == (600, 1, 5, 5)
    offsets = crops[:, 0, 0, 0]
    expected = torch.cat(
        [ramp[:5, :5].expand(300, 1, 5, 5), ramp.T[:5, :5].expand(300, 1, 5, 5)]
    )
    torch.testing.assert_close(crops - offsets[:, None, None, None], expected)
    for offset in (offsets[:300], offsets[300:]):  # across, then down
        assert offset.min() >= 0 and offset.max() <= 2 + 1e-5
        assert offset.min() < 0.1 and offset.max() > 1.9
        assert 0.8 < offset.mean() < 1.2
    # Clamped to smaller images; eval mode leaves the image alone.
    clamped = Augment(False, 0, 0, 0, 0, crop_size=40).train()(images)
    assert clamped.shape == images.shape
    assert augment.eval()(images) is images


def test_random_erasing_zeroes_one_rectangle_with_its_probability():
    generator = torch.Generator().manual_seed(0)

    def uniform(low, high, *shape):
        return torch.rand(*shape, generator=generator) * (high - low) + low

    images = torch.ones(2000, 1, 20, 20)
    erased = random_erasing(images, 0.3, uniform)
    assert torch.equal(images, torch.ones(2000, 1, 20, 20))  # not in place
    zeros = erased == 0
    share = zeros.float().mean(dim=(1, 2, 3))
    hit = share > 0
    assert 0.27 < hit.float().mean() < 0.33
    assert share[hit].min() >= 0.01 and share[hit].max() <= 0.34
    # One rectangle: its rows and columns span exactly the zeroed pixels.
    for mask in zeros[hit][:50, 0]:
        rows, columns = mask.any(dim=1), mask.any(dim=0)
        assert int(mask.sum()) == int(rows.sum()) * int(columns.sum())
