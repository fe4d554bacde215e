"""The contact page (/contact/): a message from a shopper to the shop's staff,
sent by email through the task queue and limited per client."""
