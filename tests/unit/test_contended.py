from shop_ext.core import contended


def test_writes_outside_last_run_at_once():
    done = []
    contended.write(contended.INVOICE_COUNTER, 0, lambda: done.append("counter"))
    assert done == ["counter"]


def test_writes_inside_last_run_when_it_ends_by_kind_then_row():
    done = []
    with contended.last():
        contended.write(contended.INVOICE_COUNTER, 0, lambda: done.append("counter"))
        contended.write(contended.PURCHASE_COUNT, 9, lambda: done.append("product 9"))
        contended.write(contended.PURCHASE_COUNT, 3, lambda: done.append("product 3"))
        contended.write(contended.STOCK, 0, lambda: done.append("stock"))
        assert done == []
    assert done == ["stock", "product 3", "product 9", "counter"]


def test_a_block_that_fails_makes_none_of_its_writes():
    done = []
    try:
        with contended.last():
            contended.write(contended.STOCK, 0, lambda: done.append("stock"))
            raise RuntimeError("the checkout failed")
    except RuntimeError:
        pass
    assert done == []
    contended.write(contended.STOCK, 0, lambda: done.append("after"))
    assert done == ["after"]  # the block is over: at once again
