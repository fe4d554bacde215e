"""VAT and sales tax where the buyer is (issue 31; docs/taxes.md): which class
a line is taxed under, which rate is in force, and the shipped rates."""
