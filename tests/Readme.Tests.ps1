BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
}

Describe 'README' {
    It 'has a five-minute tour that runs as written in a fresh pwsh, with only the errors it shows on purpose' {
        $readme = Get-Content -Raw -LiteralPath (Join-Path -Path $PSScriptRoot -ChildPath '..' -AdditionalChildPath 'README.md')
        $tour = [regex]::Match($readme, '(?s)## Five-minute tour.*?```powershell\r?\n(.*?)```').Groups[1].Value
        $tour | Should -Match 'New-MemoryMapping'
        $outFolder = Join-Path -Path $PSScriptRoot -ChildPath '..' -AdditionalChildPath 'out' | Resolve-Path
        $script = @"
`$env:PSModulePath = '$outFolder' + [IO.Path]::PathSeparator + `$env:PSModulePath
`$ProgressPreference = 'SilentlyContinue'
$tour
'ERRORS: ' + ((`$Error | ForEach-Object { `$_.FullyQualifiedErrorId.Split(',')[0] } | Sort-Object) -join ' ')
"@
        $pwsh = Get-PwshCommand
        $output = & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $script 2>&1
        $LASTEXITCODE | Should -Be 0
        ($output | Select-Object -Last 1) | Should -Be 'ERRORS: Access.Protection InvalidArgument'
    }
}

Describe 'README runspace recipe' {
    It 'imports the manifest in ForEach-Object -Parallel and Start-Job, so a mapping shows in its view (hex address)' {
        $readme = Get-Content -Raw -LiteralPath (Join-Path -Path $PSScriptRoot -ChildPath '..' -AdditionalChildPath 'README.md')
        $recipe = [regex]::Match($readme, '(?s)### In ForEach-Object -Parallel.*?```powershell\r?\n(.*?)```').Groups[1].Value
        $recipe | Should -Match 'ForEach-Object'
        $manifest = Join-Path -Path $PSScriptRoot -ChildPath '..' -AdditionalChildPath 'out', 'MemMap', 'MemMap.psd1' | Resolve-Path
        $script = @"
Import-Module '$manifest'
$recipe
'ADDRESS 0x{0:x}' -f `$m.Address.ToInt64()
'BYTES ' + ((Get-MappedByte `$m -Offset 1 -Count 4) -join ' ')
"@
        $pwsh = Get-PwshCommand
        $output = & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $script 2>&1 | Out-String
        $LASTEXITCODE | Should -Be 0
        $address = [regex]::Match($output, 'ADDRESS (0x[0-9a-f]+)').Groups[1].Value
        $address | Should -Not -BeNullOrEmpty
        # The view of the runspace: the address in hex in a table row, not the raw list (decimal Address, Owner).
        $output | Should -Match ('(?m)^\s*\d+ SharedAnonymous\s+' + $address)
        $output | Should -Not -Match 'Owner\s+:'
        $output | Should -Match 'BYTES 1 2 3 4'
        $output | Should -Match 'MemMap \d+\.\d+\.\d+ in a job'
    }
}
