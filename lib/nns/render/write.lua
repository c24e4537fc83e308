-- One pandoc run for a book: read its Markdown once, write every output format (and, when asked, the AST as
-- JSON), as `pandoc -f <reader> --metadata-file <meta> -t <format> --standalone --template … ` would, one
-- run per format. Run as `pandoc lua write.lua <job.json>`; the job (nns.render.pandoc.write_formats) says:
--   {"input": path, "metadata": path, "reader": format, "ast": path (optional),
--    "outputs": [{"format": f, "path": p, "template": path, "toc": bool, "toc_depth": n (optional),
--                 "section_divs": bool, "header_includes": path (optional)}, …]}

local function slurp(path)
  local f = assert(io.open(path, 'rb'))
  local text = f:read('a')
  f:close()
  return text
end

local function spit(path, text)
  local f = assert(io.open(path, 'wb'))
  f:write(text)
  f:close()
end

local job = pandoc.json.decode(slurp(arg[1]), false)
local doc = pandoc.read(slurp(job.input), job.reader)
-- --metadata-file: the file's values, read as the book's Markdown, where the document has none of its own
local defaults = pandoc.read('---\n' .. slurp(job.metadata) .. '\n---\n', job.reader).meta
for key, value in pairs(defaults) do
  if doc.meta[key] == nil then doc.meta[key] = value end
end
if job.ast then spit(job.ast, pandoc.write(doc, 'json')) end
for _, out in ipairs(job.outputs) do
  local options = {
    template = pandoc.template.compile(slurp(out.template), out.template),
    table_of_contents = out.toc,
    section_divs = out.section_divs,
    variables = {},
  }
  if out.toc_depth then options.toc_depth = out.toc_depth end
  if out.header_includes then options.variables['header-includes'] = slurp(out.header_includes) end
  spit(out.path, pandoc.write(doc, out.format, options))
end
