"""The network: its crops and test-time views, the moving average of its weights."""

import pytest

torch = pytest.importorskip("torch")

from sklearn_fer.neural_network._module import FaceConvNet, WeightAverage  # noqa: E402


def _tiny_net(crop_size):
    return FaceConvNet(
        image_shape=(12, 12),
        n_classes=3,
        channels=(4, 8),
        convs_per_block=(1, 1),
        hidden_units=8,
        dropout=0,
        negative_slope=0.1,
        standardize=False,
        crop_size=crop_size,
        ema_decay=None,
        flip=False,
        rotation=0,
        shift=0,
        scale=0,
        blur=0,
        erasing=0,
        test_time_crops=1,
        test_time_flip=False,
    )


def test_the_network_is_built_for_its_crops_and_averages_the_views():
    torch.manual_seed(0)
    net = _tiny_net(crop_size=8)
    # Two poolings of 8 x 8 crops: a 2 x 2 map of 8 channels.
    assert net.classifier[2].in_features == 8 * 2 * 2
    net.eval()
    X = torch.rand(5, 144)
    images = X.reshape(5, 1, 12, 12)

    def scores(view):
        return net._network()(view.contiguous(memory_format=torch.channels_last))

    with torch.no_grad():
        torch.testing.assert_close(net(X), scores(images[..., 2:10, 2:10]))
        net.test_time_flip, net.test_time_crops = True, 5
        windows = [(2, 2), (0, 0), (0, 4), (4, 0), (4, 4)]
        views = [images[..., r : r + 8, c : c + 8] for r, c in windows]
        views += [view.flip(-1) for view in views]
        expected = sum(scores(view) for view in views) / 10
        torch.testing.assert_close(net(X), expected)


def test_weight_average_follows_the_weights_with_its_decay():
    module = torch.nn.BatchNorm1d(3)
    average = WeightAverage(module, decay=0.5)
    expected = {k: v.clone() for k, v in module.state_dict().items()}
    for step in range(4):
        with torch.no_grad():
            module.weight.add_(1.0)
        module.train()(torch.randn(6, 3))
        average.update(module)
        decay = min(0.5, (1 + step) / (10 + step))
        for name, value in module.state_dict().items():
            if value.is_floating_point():
                expected[name] = decay * expected[name] + (1 - decay) * value
            else:
                expected[name] = value.clone()
    for name, value in average.averaged().items():
        torch.testing.assert_close(value, expected[name])
    assert int(average.n_updates) == 4
    assert not torch.equal(average.averaged()["weight"], module.weight)
