"""The directory in Open Referral HSDS 3.0: the API's listings, export, and a checked import.

- ``vocabulary``: our taxonomies and fields beyond the standard, derived ids, canonical order.
- ``attributes``: our own fields as HSDS attributes, written and read back.
- ``serialize``: directory records as HSDS objects.
- ``dataset``: the whole directory (or given records) as one dataset, as the export holds it.
- ``files``: the dataset as a JSON document or a CSV datapackage, written and read back.
- ``paging``: what the API lists, a page at a time.
- ``schemas``: the official schemas (a copy ships in ``schemas/``) and validators over them.
- ``rules``, ``validate``: every check an imported dataset must pass, each problem named.
- ``store``: writing a checked dataset; ``importer``: check all, then store all or nothing.
- ``shapes``: the shapes other publishers send (one record, a page of a listing) as a dataset.
- ``lenient``, ``lenient_values``, ``lenient_parts``: what we can hold of another system's
  file, and notes of what was left out or converted (``directory import --lenient``).
- ``diff``: what an import would change, without writing (``directory diff``).
"""
